#pragma once
// Named checks applied to a candidate's matched bytes (separators included) after the
// pattern matched: checksums, ranges, dates, brand prefixes. Pure functions, thread-safe.
// The catalog names one per type; user patterns may name one ("--pattern TYPE:luhn=REGEX").

#include <span>
#include <string>
#include <string_view>

namespace chitin::privacy {

using Validator = bool (*)(std::string_view match);

struct NamedValidator {
  std::string_view name;
  Validator check;
  std::string_view description;
};

// Every validator, sorted by name.
std::span<const NamedValidator> validators();
// The validator called `name`, or null.
const NamedValidator* find_validator(std::string_view name);

// ASCII letters and digits of `match`, letters upper-cased, fullwidth forms folded: the
// canonical form of an identifier typed with spaces, dashes, dots or brackets.
std::string compact_alnum(std::string_view match);

// For types with no public check algorithm: the pattern and context words decide.
inline bool shape_only(std::string_view /*match*/) { return true; }

// The calendar year now (UTC): the upper bound of dates of birth.
int current_year();

// Validators are grouped by region in validators_*.cc; each group lists itself here.
std::span<const NamedValidator> china_validators();
std::span<const NamedValidator> national_id_validators();
std::span<const NamedValidator> finance_validators();
std::span<const NamedValidator> network_validators();

}  // namespace chitin::privacy
