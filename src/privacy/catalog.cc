#include "privacy/catalog.h"

#include <algorithm>
#include <charconv>
#include <unordered_set>

#include "privacy/embedded_data.h"
#include "privacy/iban_registry.h"

// The type tables use designated initialisers and rely on EntityType's default member
// initialisers for the fields a type leaves out; GCC 12 still warns about those (fixed in
// GCC 13, PR 96868), so the warning is off in the files that build types.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace chitin::privacy {

namespace {

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = line.find('\t', start);
    fields.push_back(line.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) {
      return fields;
    }
    start = end + 1;
  }
}

// Vectorscan's start-of-match tracking cannot hold long bounded repeats ("Pattern is too
// large"), so {n,m} with m > 64 becomes {n,}: the token boundary check and longest-match rule
// find the same extent for a real token.
std::string open_long_repeats(std::string_view pattern) {
  std::string out;
  std::size_t at = 0;
  while (at < pattern.size()) {
    const std::size_t open = pattern.find('{', at);
    const std::size_t close = open == std::string_view::npos ? open : pattern.find('}', open);
    if (open == std::string_view::npos || close == std::string_view::npos ||
        (open > 0 && pattern[open - 1] == '\\')) {
      out.append(pattern.substr(at));
      break;
    }
    const std::string_view inside = pattern.substr(open + 1, close - open - 1);
    const std::size_t comma = inside.find(',');
    std::size_t low = 0;
    std::size_t high = 0;
    const bool bounded =
        comma != std::string_view::npos && comma + 1 < inside.size() &&
        std::from_chars(inside.data(), inside.data() + comma, low).ec == std::errc() &&
        std::from_chars(inside.data() + comma + 1, inside.data() + inside.size(), high).ec ==
            std::errc();
    out.append(pattern.substr(at, open - at));
    if (bounded && high > 64) {
      out += "{" + std::to_string(low) + ",}";
    } else {
      out.append(pattern.substr(open, close - open + 1));
    }
    at = close + 1;
  }
  return out;
}

}  // namespace

// data/privacy/secrets.tsv: id, provider, category, pattern, example, source.
void add_secret_types(std::vector<EntityType>& out) {
  const std::string_view tsv = embedded_secrets_tsv();
  std::size_t start = 0;
  while (start < tsv.size()) {
    std::size_t end = tsv.find('\n', start);
    end = end == std::string_view::npos ? tsv.size() : end;
    const std::string_view line = tsv.substr(start, end - start);
    start = end + 1;
    if (line.empty() || line[0] == '#') {
      continue;
    }
    const auto fields = split_tabs(line);
    if (fields.size() < 5) {
      continue;
    }
    out.push_back({.id = std::string(fields[0]),
                   .label = "SECRET",
                   .category = "secret",
                   .regions = "global",
                   .description = std::string(fields[1]) + " (" + std::string(fields[2]) + ")",
                   .pattern = open_long_repeats(fields[3]),
                   .score = 0.98F,
                   .boundary = Boundary::kToken,
                   .example = std::string(fields[4])});
  }
}

// One type per IBAN registry country; the pattern allows the print form (groups of four).
void add_iban_types(std::vector<EntityType>& out) {
  for (const IbanCountry& country : iban_countries()) {
    const std::size_t bban = country.length - 4;
    std::string pattern = country.code + "[0-9]{2}";
    pattern += "(?: ?[0-9A-Z]{4}){" + std::to_string(bban / 4) + "}";
    if (bban % 4 != 0) {
      pattern += " ?[0-9A-Z]{" + std::to_string(bban % 4) + "}";
    }
    out.push_back({.id = "IBAN_" + country.code,
                   .label = "IBAN",
                   .category = "financial",
                   .regions = country.code,
                   .description = "IBAN of " + country.name + " (" +
                                  std::to_string(country.length) + " characters)",
                   .pattern = pattern,
                   .validator = "iban",
                   .context = {"iban", "account", "bank", "账户", "账号", "银行"},
                   .score = 0.97F,
                   .canonical = Canonical::kAlnum,
                   .example = country.example});
  }
}

bool is_credential_type(const EntityType& type) {
  static constexpr std::string_view kPrivateKeys[] = {"PEM_PRIVATE_KEY", "OPENSSH_PRIVATE_KEY",
                                                      "PGP_PRIVATE_KEY"};
  return type.category == "secret" || std::find(std::begin(kPrivateKeys), std::end(kPrivateKeys),
                                                type.id) != std::end(kPrivateKeys);
}

std::span<const EntityType> builtin_catalog() {
  static const std::vector<EntityType> catalog = [] {
    std::vector<EntityType> types;
    add_core_types(types);
    add_national_id_types(types);
    add_iban_types(types);
    add_secret_types(types);
    add_text_types(types);
    return types;
  }();
  return catalog;
}

Result<void> check_user_type_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxTypeIdBytes || id[0] < 'A' || id[0] > 'Z') {
    return fail(ErrorCode::kInvalidInput,
                "type name '{}' must be 1-{} characters of A-Z, 0-9 and _, starting with a "
                "letter",
                id.substr(0, kMaxTypeIdBytes + 8), kMaxTypeIdBytes);
  }
  for (char c : id) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return fail(ErrorCode::kInvalidInput,
                  "type name '{}' contains '{}'; use upper-case letters, digits and _", id, c);
    }
  }
  static const std::unordered_set<std::string> reserved = [] {
    std::unordered_set<std::string> names{"LITERAL"};
    for (const EntityType& type : builtin_catalog()) {
      names.insert(type.id);
      names.insert(type.label);
    }
    return names;
  }();
  if (reserved.contains(std::string(id))) {
    return fail(ErrorCode::kInvalidInput,
                "type name '{}' is a built-in type or label; choose another name (see `chitin "
                "privacy types`)",
                id);
  }
  return {};
}

}  // namespace chitin::privacy
