#pragma once
// Operator scopes of the gateway (OpenClaw's names). Scopes are fixed by the server when a
// token is issued; a client never declares its own.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace chitin::gateway {

enum Scope : std::uint8_t {
  kScopeRead = 1U << 0,       // operator.read
  kScopeWrite = 1U << 1,      // operator.write
  kScopeAdmin = 1U << 2,      // operator.admin
  kScopeApprovals = 1U << 3,  // operator.approvals
};
using ScopeSet = std::uint8_t;
inline constexpr ScopeSet kAllScopes = kScopeRead | kScopeWrite | kScopeAdmin | kScopeApprovals;

std::string_view scope_name(Scope scope);
Result<Scope> parse_scope(std::string_view name);
std::vector<std::string> scope_names(ScopeSet scopes);
Result<ScopeSet> parse_scopes(const std::vector<std::string>& names);

}  // namespace chitin::gateway
