#include "privacy/iban_registry.h"

#include <charconv>
#include <vector>

#include "privacy/embedded_data.h"

namespace chitin::privacy {

namespace {

std::vector<std::string_view> split(std::string_view line, char separator) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = line.find(separator, start);
    fields.push_back(line.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) {
      return fields;
    }
    start = end + 1;
  }
}

std::vector<IbanCountry> parse_registry(std::string_view tsv) {
  std::vector<IbanCountry> countries;
  std::size_t start = 0;
  while (start < tsv.size()) {
    std::size_t end = tsv.find('\n', start);
    end = end == std::string_view::npos ? tsv.size() : end;
    std::string_view line = tsv.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty() || line[0] == '#') {
      continue;
    }
    const auto fields = split(line, '\t');
    if (fields.size() < 5 || fields[0].size() != 2) {
      continue;
    }
    std::size_t length = 0;
    if (std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), length).ec !=
        std::errc()) {
      continue;
    }
    countries.push_back(IbanCountry{std::string(fields[0]), std::string(fields[1]), length,
                                    std::string(fields[3]), std::string(fields[4])});
  }
  return countries;
}

}  // namespace

std::span<const IbanCountry> iban_countries() {
  static const std::vector<IbanCountry> countries = parse_registry(embedded_iban_tsv());
  return countries;
}

const IbanCountry* find_iban_country(std::string_view code) {
  for (const IbanCountry& country : iban_countries()) {
    if (country.code == code) {
      return &country;
    }
  }
  return nullptr;
}

bool matches_bban(const IbanCountry& country, std::string_view compact) {
  if (compact.size() != country.length) {
    return false;
  }
  std::size_t at = 4;
  std::size_t count = 0;
  for (char c : country.bban) {
    if (c >= '0' && c <= '9') {
      count = count * 10 + static_cast<std::size_t>(c - '0');
      continue;
    }
    if (c == '!') {  // registry notation for "fixed length"; ours are all fixed
      continue;
    }
    for (std::size_t i = 0; i < count; ++i, ++at) {
      if (at >= compact.size()) {
        return false;
      }
      const char v = compact[at];
      const bool digit = v >= '0' && v <= '9';
      const bool upper = v >= 'A' && v <= 'Z';
      if ((c == 'n' && !digit) || (c == 'a' && !upper) || (c == 'c' && !digit && !upper)) {
        return false;
      }
    }
    count = 0;
  }
  return at == compact.size();
}

}  // namespace chitin::privacy
