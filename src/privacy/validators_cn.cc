// Validators of Chinese (mainland, Hong Kong, Macau, Taiwan) identifiers.
#include <array>
#include <chrono>
#include <vector>

#include "privacy/checksums.h"
#include "privacy/validators.h"

namespace chitin::privacy {

namespace {

int current_year() {
  const auto now = std::chrono::system_clock::now();
  const std::chrono::year_month_day date{std::chrono::floor<std::chrono::days>(now)};
  return static_cast<int>(date.year());
}

// GB/T 2260 province-level codes (the first two digits of a resident ID).
bool valid_province_code(int code) {
  static constexpr std::array<int, 34> kCodes{11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34,
                                              35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
                                              53, 54, 61, 62, 63, 64, 65, 71, 81, 82};
  for (int c : kCodes) {
    if (c == code) {
      return true;
    }
  }
  return code == 83 || code == 91;  // Taiwan residence permits; overseas (historic)
}

// GB 11643-1999: area (province code), date of birth YYYYMMDD, check character.
bool cn_resident_id(std::string_view match) {
  const std::string id = compact_alnum(match);
  if (id.size() != 18 || !valid_province_code(digits_value(id, 0, 2))) {
    return false;
  }
  const int year = digits_value(id, 6, 4);
  if (year < 1900 || year > current_year() ||
      !valid_date(year, digits_value(id, 10, 2), digits_value(id, 12, 2)) ||
      digits_value(id, 14, 3) < 0) {
    return false;
  }
  return gb11643_check_char(std::string_view(id).substr(0, 17)) == id[17];
}

// The 15-digit identity number issued before 1999: area, YYMMDD (19YY), sequence; no check.
bool cn_resident_id_15(std::string_view match) {
  const std::string id = compact_alnum(match);
  if (id.size() != 15) {
    return false;
  }
  for (char c : id) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return valid_province_code(digits_value(id, 0, 2)) &&
         valid_date(1900 + digits_value(id, 6, 2), digits_value(id, 8, 2), digits_value(id, 10, 2));
}

// GB 32100-2015: registration authority, type, 6-digit area code, 9-character organisation
// code, check character over a 31-character alphabet.
bool cn_uscc(std::string_view match) {
  const std::string code = compact_alnum(match);
  if (code.size() != 18 || digits_value(code, 2, 6) < 0 ||
      !valid_province_code(digits_value(code, 2, 2))) {
    return false;
  }
  static constexpr std::string_view kAuthorities = "123456789ANY";
  if (kAuthorities.find(code[0]) == std::string_view::npos) {
    return false;
  }
  const auto check = gb32100_check_char(std::string_view(code).substr(0, 17));
  return check && *check == code[17];
}

std::string digits_only(std::string_view match) {
  std::string out;
  for (char c : compact_alnum(match)) {
    if (c >= '0' && c <= '9') {
      out.push_back(c);
    }
  }
  return out;
}

// Mainland mobile numbers: 11 digits, 1[3-9]x, optionally +86 / 0086 in front.
bool cn_mobile(std::string_view match) {
  std::string digits = digits_only(match);
  if (digits.size() == 15 && digits.starts_with("0086")) {
    digits.erase(0, 4);
  } else if (digits.size() == 13 && digits.starts_with("86")) {
    digits.erase(0, 2);
  }
  return digits.size() == 11 && digits[0] == '1' && digits[1] >= '3';
}

// Mainland landlines: area code 0 + 2 or 3 digits (010, 02x two-digit codes), then a 7-8
// digit subscriber number that does not start with 0 or 1.
bool cn_landline(std::string_view match) {
  std::string digits = digits_only(match);
  if (digits.starts_with("86") && !digits.starts_with("860")) {
    digits = "0" + digits.substr(2);  // +86 10 ... is 010 ...
  }
  if (digits.size() < 10 || digits.size() > 12 || digits[0] != '0' || digits[1] == '0') {
    return false;
  }
  const bool two_digit_area = digits[1] == '1' || digits[1] == '2';
  const std::size_t area = two_digit_area ? 3 : 4;
  const std::size_t subscriber = digits.size() - area;
  return (subscriber == 7 || subscriber == 8) && digits[area] >= '2';
}

// Hong Kong identity card: 1-2 letters, 6 digits, check digit or 'A' (mod 11).
bool hk_id(std::string_view match) {
  const std::string id = compact_alnum(match);
  if (id.size() != 8 && id.size() != 9) {
    return false;
  }
  const std::size_t letters = id.size() - 7;
  int sum = letters == 1 ? 36 * 9 : 0;
  for (std::size_t i = 0; i < letters; ++i) {
    if (id[i] < 'A' || id[i] > 'Z') {
      return false;
    }
    sum += (id[i] - 'A' + 10) * static_cast<int>((letters == 1 ? 8 : 9) - i);
  }
  for (std::size_t i = 0; i < 6; ++i) {
    const char c = id[letters + i];
    if (c < '0' || c > '9') {
      return false;
    }
    sum += (c - '0') * static_cast<int>(7 - i);
  }
  const char last = id.back();
  const int check = last == 'A' ? 10 : (last >= '0' && last <= '9' ? last - '0' : -1);
  return check >= 0 && (sum + check) % 11 == 0;
}

// Taiwan national identification number: letter, sex digit (1/2; 8/9 for new resident
// certificates), 8 digits; weighted checksum with the letter's two-digit code.
bool tw_id(std::string_view match) {
  static constexpr std::array<int, 26> kLetter{10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21,
                                               22, 35, 23, 24, 25, 26, 27, 28, 29, 32, 30, 31, 33};
  const std::string id = compact_alnum(match);
  if (id.size() != 10 || id[0] < 'A' || id[0] > 'Z' ||
      (id[1] != '1' && id[1] != '2' && id[1] != '8' && id[1] != '9')) {
    return false;
  }
  const int code = kLetter[static_cast<std::size_t>(id[0] - 'A')];
  int sum = code / 10 + (code % 10) * 9;
  for (std::size_t i = 1; i < 10; ++i) {
    if (id[i] < '0' || id[i] > '9') {
      return false;
    }
    sum += (id[i] - '0') * (i == 9 ? 1 : static_cast<int>(9 - i));
  }
  return sum % 10 == 0;
}

}  // namespace

std::span<const NamedValidator> china_validators() {
  static const std::vector<NamedValidator> list{
      {"cn_resident_id", cn_resident_id,
       "GB 11643: province code, valid date of birth 1900..now, check character"},
      {"cn_resident_id_15", cn_resident_id_15, "province code and valid 19YYMMDD date"},
      {"cn_uscc", cn_uscc, "GB 32100: authority, area code, mod-31 check character"},
      {"cn_mobile", cn_mobile, "11 digits 1[3-9]x, optional +86/0086"},
      {"cn_landline", cn_landline, "area code 0xx/0xxx and 7-8 digit subscriber number"},
      {"hk_id", hk_id, "1-2 letters, 6 digits, mod-11 check (0-9 or A)"},
      {"tw_id", tw_id, "letter code and weighted mod-10 checksum"},
      {"shape", shape_only, "no checksum exists; shape and context words decide"},
      {"cn_plate", shape_only, "province abbreviation, letter, 5-6 characters"},
  };
  return list;
}

}  // namespace chitin::privacy
