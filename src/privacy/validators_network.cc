// Validators of contact and network identifiers, tokens and dates.
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "privacy/checksums.h"
#include "privacy/text.h"
#include "privacy/validators.h"

namespace chitin::privacy {

namespace {

// E.164: a country code and at most 15 digits in all, at least 8.
bool phone_intl(std::string_view match) {
  std::size_t digits = 0;
  for (char c : match) {
    digits += is_ascii_digit(static_cast<unsigned char>(c)) ? 1 : 0;
  }
  return digits >= 8 && digits <= 15;
}

// NANP: area code and exchange start 2-9, area code not N11, exchange not 555-01xx fiction
// (those are still reported: examples in documentation are harmless to redact).
bool phone_nanp(std::string_view match) {
  std::string digits;
  for (char c : match) {
    if (is_ascii_digit(static_cast<unsigned char>(c))) {
      digits.push_back(c);
    }
  }
  return digits.size() == 10 && digits[0] >= '2' && !(digits[1] == '1' && digits[2] == '1') &&
         digits[3] >= '2';
}

// Dotted quad, each part 0-255 without leading zeros (leading zeros read as version numbers
// or octal, not addresses people share).
bool ipv4(std::string_view match) {
  int parts = 0;
  std::size_t i = 0;
  while (i <= match.size()) {
    const std::size_t end = std::min(match.find('.', i), match.size());
    const std::string_view part = match.substr(i, end - i);
    if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) {
      return false;
    }
    const int value = digits_value(part, 0, part.size());
    if (value < 0 || value > 255) {
      return false;
    }
    ++parts;
    i = end + 1;
  }
  return parts == 4;
}

bool ipv6(std::string_view match) {
  if (match.size() > 45 || (match.find("::") == std::string_view::npos &&
                            std::count(match.begin(), match.end(), ':') < 7)) {
    return false;
  }
  std::string text(match);
  if (const std::size_t percent = text.find('%'); percent != std::string::npos) {
    text.resize(percent);
  }
  in6_addr address{};
  return inet_pton(AF_INET6, text.c_str(), &address) == 1;
}

// Six octets with one consistent separator; not the all-zero or broadcast address.
bool mac(std::string_view match) {
  const std::string hex = compact_alnum(match);
  return hex.size() == 12 && hex != "000000000000" && hex != "FFFFFFFFFFFF";
}

// RFC 5321 sizes: local part ≤ 64, domain ≤ 253 with a dot and an alphabetic TLD.
bool email(std::string_view match) {
  const std::size_t at = match.find('@');
  if (at == 0 || at == std::string_view::npos || at > 64 || match.size() - at - 1 > 253) {
    return false;
  }
  const std::string_view domain = match.substr(at + 1);
  const std::size_t dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || domain.find("..") != std::string_view::npos ||
      match.substr(0, at).find("..") != std::string_view::npos) {
    return false;
  }
  const std::string_view tld = domain.substr(dot + 1);
  if (tld.size() < 2) {
    return false;
  }
  for (char c : tld) {
    if (!is_ascii_alpha(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

// Three base64url segments; the header decodes to a JSON object with "alg".
bool jwt(std::string_view match) {
  const std::size_t dot = match.find('.');
  if (dot == std::string_view::npos) {
    return false;
  }
  auto header = base64_decode(match.substr(0, dot), Base64Variant::kUrlNoPadding);
  if (!header) {
    return false;
  }
  const auto parsed = nlohmann::json::parse(as_chars(*header), nullptr, false);
  return parsed.is_object() && parsed.contains("alg");
}

// scheme://user:password@host with a non-empty password.
bool url_credentials(std::string_view match) {
  const std::size_t scheme = match.find("://");
  const std::size_t at = match.find('@', scheme == std::string_view::npos ? 0 : scheme + 3);
  if (scheme == std::string_view::npos || at == std::string_view::npos) {
    return false;
  }
  const std::string_view userinfo = match.substr(scheme + 3, at - scheme - 3);
  const std::size_t colon = userinfo.find(':');
  return colon != std::string_view::npos && colon + 1 < userinfo.size();
}

}  // namespace

int current_year() {
  return static_cast<int>(std::chrono::year_month_day{
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())}
                              .year());
}

namespace {

// A date of birth: a real calendar date between 1900 and today. Accepts Y-M-D with - / . or
// 年月日, D/M/Y and M/D/Y (either reading valid), and "Month D, YYYY" / "D Month YYYY".
bool date_of_birth(std::string_view match) {
  static constexpr std::array<std::string_view, 12> kMonths{
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  std::vector<int> numbers;
  int month_name = 0;
  std::size_t i = 0;
  while (i < match.size()) {
    const auto c = static_cast<unsigned char>(match[i]);
    if (is_ascii_digit(c)) {
      int value = 0;
      std::size_t digits = 0;
      while (i < match.size() && is_ascii_digit(static_cast<unsigned char>(match[i])) &&
             digits < 5) {
        value = value * 10 + (match[i] - '0');
        ++i;
        ++digits;
      }
      numbers.push_back(value);
    } else if (is_ascii_alpha(c)) {
      std::size_t end = i;
      while (end < match.size() && is_ascii_alpha(static_cast<unsigned char>(match[end]))) {
        ++end;
      }
      const std::string word = ascii_lowercase(match.substr(i, std::min<std::size_t>(3, end - i)));
      for (std::size_t m = 0; m < kMonths.size(); ++m) {
        if (end - i >= 3 && word == kMonths[m]) {
          month_name = static_cast<int>(m) + 1;
        }
      }
      i = end;
    } else {
      ++i;
    }
  }
  const int this_year = current_year();
  auto plausible = [&](int y, int m, int d) {
    return y >= 1900 && y <= this_year && valid_date(y, m, d);
  };
  if (month_name != 0 && numbers.size() == 2) {
    const int year = numbers[0] > 31 ? numbers[0] : numbers[1];
    const int day = numbers[0] > 31 ? numbers[1] : numbers[0];
    return plausible(year, month_name, day);
  }
  if (numbers.size() != 3) {
    return false;
  }
  if (numbers[0] >= 1000) {
    return plausible(numbers[0], numbers[1], numbers[2]);
  }
  return plausible(numbers[2], numbers[1], numbers[0]) ||
         plausible(numbers[2], numbers[0], numbers[1]);
}

}  // namespace

std::span<const NamedValidator> network_validators() {
  static const std::vector<NamedValidator> list{
      {"phone_intl", phone_intl, "8-15 digits after the +"},
      {"phone_nanp", phone_nanp, "NANP area code and exchange rules"},
      {"ipv4", ipv4, "four parts 0-255, no leading zeros"},
      {"ipv6", ipv6, "inet_pton(AF_INET6)"},
      {"mac", mac, "six octets, not all-zero or broadcast"},
      {"email", email, "RFC 5321 part sizes, dotted domain, alphabetic TLD"},
      {"jwt", jwt, "base64url header decoding to a JSON object with alg"},
      {"url_credentials", url_credentials, "user:password@ with a non-empty password"},
      {"date_of_birth", date_of_birth, "a calendar date between 1900 and today"},
  };
  return list;
}

}  // namespace chitin::privacy
