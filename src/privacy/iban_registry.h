#pragma once
// The IBAN formats of every country in the SWIFT IBAN registry, from data/privacy/iban.tsv
// (embedded in the binary): country code, name, length, BBAN structure, a valid example.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace chitin::privacy {

struct IbanCountry {
  std::string code;     // "DE"
  std::string name;     // "Germany"
  std::size_t length;   // 22
  std::string bban;     // "8n10n": counts of n (digits), a (upper letters), c (alphanumerics)
  std::string example;  // a valid IBAN
};

// Parsed once; the data is part of the build, so a malformed row is a build-time bug caught by
// the unit test (rows that do not parse are skipped).
std::span<const IbanCountry> iban_countries();
const IbanCountry* find_iban_country(std::string_view code);

// True when `compact` (upper-case, no spaces) has the country's length and BBAN structure.
bool matches_bban(const IbanCountry& country, std::string_view compact);

}  // namespace chitin::privacy
