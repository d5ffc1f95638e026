#pragma once
// The check-digit algorithms behind the identifier validators, as pure functions of ASCII
// digit/letter strings (no separators). Each names the standard it follows. The evaluation
// generator uses the same functions to make valid and deliberately invalid identifiers.

#include <optional>
#include <string>
#include <string_view>

namespace chitin::privacy {

// ISO/IEC 7812-1 Annex B (Luhn): true when the last digit checks the others.
bool luhn_valid(std::string_view digits);
// The digit that makes `payload` + digit Luhn-valid.
char luhn_check_digit(std::string_view payload);

// ISO 13616 / ISO 7064 MOD 97-10 over an IBAN in electronic form: true when it checks.
bool iban_checksum_valid(std::string_view iban);
// The two check digits for country + "00" + bban.
std::string iban_check_digits(std::string_view country, std::string_view bban);

// ISO 7064 MOD 11-10 (hybrid system): German tax id, Croatian OIB.
bool iso7064_mod11_10_valid(std::string_view digits);
char iso7064_mod11_10_check(std::string_view payload);

// Verhoeff (dihedral group D5): Aadhaar.
bool verhoeff_valid(std::string_view digits);
char verhoeff_check_digit(std::string_view payload);

// GB 11643-1999: the 18th character (0-9 or X) of a resident identity number.
char gb11643_check_char(std::string_view first17);
// GB 32100-2015: the 18th character of a unified social credit code (31-character alphabet).
std::optional<char> gb32100_check_char(std::string_view first17);
// Position of `c` in GB 32100's alphabet "0123456789ABCDEFGHJKLMNPQRTUWXY", or -1.
int gb32100_value(char c);

// Weighted sum of digits with `weights` (one per digit, left to right); -1 if a non-digit.
int weighted_digit_sum(std::string_view digits, std::initializer_list<int> weights);

// Calendar check for a Gregorian date.
bool valid_date(int year, int month, int day);
// Parses `n` ASCII digits at `s` (returns -1 if any is not a digit).
int digits_value(std::string_view s, std::size_t at, std::size_t n);

}  // namespace chitin::privacy
