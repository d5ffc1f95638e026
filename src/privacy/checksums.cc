#include "privacy/checksums.h"

#include <array>
#include <cstdint>

namespace chitin::privacy {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool luhn_valid(std::string_view digits) {
  if (digits.size() < 2) {
    return false;
  }
  int sum = 0;
  bool double_it = false;
  for (std::size_t i = digits.size(); i-- > 0;) {
    if (!is_digit(digits[i])) {
      return false;
    }
    int d = digits[i] - '0';
    if (double_it) {
      d *= 2;
      if (d > 9) {
        d -= 9;
      }
    }
    sum += d;
    double_it = !double_it;
  }
  return sum % 10 == 0;
}

char luhn_check_digit(std::string_view payload) {
  std::string candidate(payload);
  candidate.push_back('0');
  for (char d = '0'; d <= '9'; ++d) {
    candidate.back() = d;
    if (luhn_valid(candidate)) {
      return d;
    }
  }
  return '0';
}

namespace {

// Remainder mod 97 of the digits obtained by replacing letters with 10..35, streaming.
int mod97_alnum(std::string_view text) {
  int remainder = 0;
  for (char c : text) {
    if (is_digit(c)) {
      remainder = (remainder * 10 + (c - '0')) % 97;
    } else if (c >= 'A' && c <= 'Z') {
      remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
    } else if (c >= 'a' && c <= 'z') {
      remainder = (remainder * 100 + (c - 'a' + 10)) % 97;
    } else {
      return -1;
    }
  }
  return remainder;
}

}  // namespace

bool iban_checksum_valid(std::string_view iban) {
  if (iban.size() < 5) {
    return false;
  }
  std::string rotated(iban.substr(4));
  rotated.append(iban.substr(0, 4));
  return mod97_alnum(rotated) == 1;
}

std::string iban_check_digits(std::string_view country, std::string_view bban) {
  std::string rotated(bban);
  rotated.append(country);
  rotated.append("00");
  const int check = 98 - mod97_alnum(rotated);
  return {static_cast<char>('0' + check / 10), static_cast<char>('0' + check % 10)};
}

bool iso7064_mod11_10_valid(std::string_view digits) {
  if (digits.size() < 2) {
    return false;
  }
  return iso7064_mod11_10_check(digits.substr(0, digits.size() - 1)) == digits.back();
}

char iso7064_mod11_10_check(std::string_view payload) {
  int product = 10;
  for (char c : payload) {
    if (!is_digit(c)) {
      return '?';
    }
    int sum = (c - '0' + product) % 10;
    if (sum == 0) {
      sum = 10;
    }
    product = (2 * sum) % 11;
  }
  const int check = (11 - product) % 10;
  return static_cast<char>('0' + check);
}

namespace {

constexpr std::array<std::array<std::uint8_t, 10>, 10> kVerhoeffD{{
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
    {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
    {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
    {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
    {4, 0, 1, 2, 3, 9, 5, 6, 7, 8},
    {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
    {6, 5, 9, 8, 7, 1, 0, 4, 3, 2},
    {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
    {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
    {9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
}};
constexpr std::array<std::array<std::uint8_t, 10>, 8> kVerhoeffP{{
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
    {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
    {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
    {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
    {9, 4, 5, 3, 1, 2, 6, 8, 7, 0},
    {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
    {2, 7, 9, 3, 8, 0, 6, 4, 1, 5},
    {7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
}};
constexpr std::array<std::uint8_t, 10> kVerhoeffInverse{0, 4, 3, 2, 1, 5, 6, 7, 8, 9};

}  // namespace

bool verhoeff_valid(std::string_view digits) {
  int check = 0;
  std::size_t position = 0;
  for (std::size_t i = digits.size(); i-- > 0; ++position) {
    if (!is_digit(digits[i])) {
      return false;
    }
    check = kVerhoeffD[check][kVerhoeffP[position % 8][digits[i] - '0']];
  }
  return !digits.empty() && check == 0;
}

char verhoeff_check_digit(std::string_view payload) {
  int check = 0;
  std::size_t position = 1;
  for (std::size_t i = payload.size(); i-- > 0; ++position) {
    check = kVerhoeffD[check][kVerhoeffP[position % 8][payload[i] - '0']];
  }
  return static_cast<char>('0' + kVerhoeffInverse[check]);
}

char gb11643_check_char(std::string_view first17) {
  static constexpr std::array<int, 17> kWeights{7, 9, 10, 5,  8, 4, 2, 1, 6,
                                                3, 7, 9,  10, 5, 8, 4, 2};
  static constexpr std::string_view kChecks = "10X98765432";
  int sum = 0;
  for (std::size_t i = 0; i < 17 && i < first17.size(); ++i) {
    if (!is_digit(first17[i])) {
      return '?';
    }
    sum += (first17[i] - '0') * kWeights[i];
  }
  return kChecks[sum % 11];
}

int gb32100_value(char c) {
  static constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  const std::size_t at = kAlphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

std::optional<char> gb32100_check_char(std::string_view first17) {
  static constexpr std::array<int, 17> kWeights{1,  3,  9,  27, 19, 26, 16, 17, 20,
                                                29, 25, 13, 8,  24, 10, 30, 28};
  static constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  if (first17.size() != 17) {
    return std::nullopt;
  }
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    const int value = gb32100_value(first17[i]);
    if (value < 0) {
      return std::nullopt;
    }
    sum += value * kWeights[i];
  }
  const int check = (31 - sum % 31) % 31;
  return kAlphabet[static_cast<std::size_t>(check)];
}

int weighted_digit_sum(std::string_view digits, std::initializer_list<int> weights) {
  int sum = 0;
  std::size_t i = 0;
  for (int weight : weights) {
    if (i >= digits.size() || !is_digit(digits[i])) {
      return -1;
    }
    sum += (digits[i] - '0') * weight;
    ++i;
  }
  return sum;
}

bool valid_date(int year, int month, int day) {
  if (year < 1 || month < 1 || month > 12 || day < 1) {
    return false;
  }
  static constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int days = kDays[static_cast<std::size_t>(month - 1)] + (month == 2 && leap ? 1 : 0);
  return day <= days;
}

int digits_value(std::string_view s, std::size_t at, std::size_t n) {
  if (at + n > s.size()) {
    return -1;
  }
  int value = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (!is_digit(s[i])) {
      return -1;
    }
    value = value * 10 + (s[i] - '0');
  }
  return value;
}

}  // namespace chitin::privacy
