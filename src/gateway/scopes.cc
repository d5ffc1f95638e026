#include "gateway/scopes.h"

#include <array>

namespace chitin::gateway {

namespace {

constexpr std::array<std::pair<Scope, std::string_view>, 4> kNames = {{
    {kScopeRead, "operator.read"},
    {kScopeWrite, "operator.write"},
    {kScopeAdmin, "operator.admin"},
    {kScopeApprovals, "operator.approvals"},
}};

}  // namespace

std::string_view scope_name(Scope scope) {
  for (const auto& [value, name] : kNames) {
    if (value == scope) {
      return name;
    }
  }
  return "unknown";
}

Result<Scope> parse_scope(std::string_view name) {
  for (const auto& [value, known] : kNames) {
    if (known == name) {
      return value;
    }
  }
  return fail(ErrorCode::kInvalidInput,
              "unknown scope '{}': use operator.read, operator.write, operator.admin or "
              "operator.approvals",
              name.substr(0, 64));
}

std::vector<std::string> scope_names(ScopeSet scopes) {
  std::vector<std::string> out;
  for (const auto& [value, name] : kNames) {
    if ((scopes & value) != 0) {
      out.emplace_back(name);
    }
  }
  return out;
}

Result<ScopeSet> parse_scopes(const std::vector<std::string>& names) {
  ScopeSet scopes = 0;
  for (const std::string& name : names) {
    scopes |= CHITIN_TRY(parse_scope(name));
  }
  if (scopes == 0) {
    return fail(ErrorCode::kInvalidInput, "give at least one --scope");
  }
  return scopes;
}

}  // namespace chitin::gateway
