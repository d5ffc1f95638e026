// Validators of national identifiers with public check algorithms (python-stdnum's catalogue
// served as the checklist; each function cites the rule it implements).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "privacy/checksums.h"
#include "privacy/validators.h"

namespace chitin::privacy {

namespace {

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return !s.empty();
}

int digit(std::string_view s, std::size_t i) { return s[i] - '0'; }

// The value of an all-digit string of at most 18 digits (callers check the digits).
std::int64_t digits_int64(std::string_view s) {
  std::int64_t value = 0;
  for (char c : s) {
    value = value * 10 + (c - '0');
  }
  return value;
}

std::string digits_of(std::string_view match) {
  const std::string compact = compact_alnum(match);
  return all_digits(compact) ? compact : std::string();
}

// Two-digit year YY, month, day: valid in some century.
bool valid_yymmdd(int yy, int month, int day) {
  return valid_date(2000 + yy, month, day) || valid_date(1900 + yy, month, day);
}

// SSA: area not 000, 666 or 9xx; group not 00; serial not 0000 (and the retired examples).
bool us_ssn(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 9 || d == "078051120" || d == "219099999") {
    return false;
  }
  const int area = digits_value(d, 0, 3);
  return area != 0 && area != 666 && area < 900 && digits_value(d, 3, 2) != 0 &&
         digits_value(d, 5, 4) != 0;
}

// IRS: 9xx-GG-xxxx with GG in 50-65, 70-88, 90-92, 94-99.
bool us_itin(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 9 || d[0] != '9') {
    return false;
  }
  const int group = digits_value(d, 3, 2);
  return (group >= 50 && group <= 65) || (group >= 70 && group <= 88) ||
         (group >= 90 && group <= 92) || group >= 94;
}

// IRS campus prefixes of employer identification numbers.
bool us_ein(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 9) {
    return false;
  }
  const int prefix = digits_value(d, 0, 2);
  static constexpr std::array<int, 14> kUnused{0, 7, 8, 9, 17, 18, 19, 28, 29, 49, 69, 70, 78, 79};
  for (int unused : kUnused) {
    if (prefix == unused) {
      return false;
    }
  }
  return prefix != 89 && prefix != 96 && prefix != 97;
}

// ABA routing number: 3-7-1 weighted sum mod 10, Federal Reserve prefix ranges.
bool us_aba(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 9) {
    return false;
  }
  const int prefix = digits_value(d, 0, 2);
  if (!(prefix <= 12 || (prefix >= 21 && prefix <= 32) || (prefix >= 61 && prefix <= 72) ||
        prefix == 80)) {
    return false;
  }
  return weighted_digit_sum(d, {3, 7, 1, 3, 7, 1, 3, 7, 1}) % 10 == 0;
}

// CMS National Provider Identifier: Luhn over "80840" + the 10 digits.
bool us_npi(std::string_view match) {
  const std::string d = digits_of(match);
  return d.size() == 10 && (d[0] == '1' || d[0] == '2') && luhn_valid("80840" + d);
}

// HMRC National Insurance number: prefix letters rules, 6 digits, suffix A-D.
bool uk_nino(std::string_view match) {
  const std::string n = compact_alnum(match);
  if (n.size() != 9 || !all_digits(std::string_view(n).substr(2, 6))) {
    return false;
  }
  static constexpr std::string_view kBadFirst = "DFIQUV";
  static constexpr std::string_view kBadSecond = "DFIOQUV";
  const std::string_view prefix = std::string_view(n).substr(0, 2);
  if (kBadFirst.find(n[0]) != std::string_view::npos ||
      kBadSecond.find(n[1]) != std::string_view::npos || n[0] < 'A' || n[0] > 'Z' || n[1] < 'A' ||
      n[1] > 'Z') {
    return false;
  }
  for (std::string_view bad : {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}) {
    if (prefix == bad) {
      return false;
    }
  }
  return n[8] >= 'A' && n[8] <= 'D';
}

// NHS number: weights 10..2, check = 11 - sum mod 11 (11 -> 0, 10 invalid).
bool uk_nhs(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 10) {
    return false;
  }
  int check = 11 - weighted_digit_sum(d, {10, 9, 8, 7, 6, 5, 4, 3, 2}) % 11;
  if (check == 11) {
    check = 0;
  }
  return check != 10 && check == digit(d, 9);
}

// German tax id (Steuerliche Identifikationsnummer): no leading 0, one digit repeated 2-3
// times in the first ten, ISO 7064 MOD 11,10.
bool de_tax_id(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 11 || d[0] == '0') {
    return false;
  }
  std::array<int, 10> counts{};
  for (std::size_t i = 0; i < 10; ++i) {
    ++counts[static_cast<std::size_t>(digit(d, i))];
  }
  int repeated = 0;
  for (int count : counts) {
    if (count > 3) {
      return false;
    }
    repeated += count > 1 ? 1 : 0;
  }
  return repeated == 1 && iso7064_mod11_10_valid(d);
}

// French NIR (INSEE): 13 characters (2A/2B Corsica) + key = 97 - number mod 97.
bool fr_nir(std::string_view match) {
  std::string n = compact_alnum(match);
  if (n.size() != 15 ||
      (n[0] != '1' && n[0] != '2' && n[0] != '3' && n[0] != '4' && n[0] != '7' && n[0] != '8')) {
    return false;
  }
  std::int64_t adjust = 0;
  if (n[5] == 'A' || n[5] == 'B') {
    adjust = n[5] == 'A' ? 1000000 : 2000000;
    n[5] = '0';
  }
  if (!all_digits(n)) {
    return false;
  }
  std::int64_t number = 0;
  for (std::size_t i = 0; i < 13; ++i) {
    number = number * 10 + digit(n, i);
  }
  number -= adjust;
  return 97 - number % 97 == digits_value(n, 13, 2);
}

// Spanish DNI (8 digits + letter) and NIE (X/Y/Z + 7 digits + letter): letter = n mod 23.
constexpr std::string_view kDniLetters = "TRWAGMYFPDXBNJZSQVHLCKE";
bool es_dni(std::string_view match) {
  const std::string n = compact_alnum(match);
  if (n.size() != 9 || !all_digits(std::string_view(n).substr(0, 8))) {
    return false;
  }
  return kDniLetters[static_cast<std::size_t>(digits_value(n, 0, 8) % 23)] == n[8];
}
bool es_nie(std::string_view match) {
  std::string n = compact_alnum(match);
  if (n.size() != 9 || (n[0] != 'X' && n[0] != 'Y' && n[0] != 'Z')) {
    return false;
  }
  n[0] = static_cast<char>('0' + (n[0] - 'X'));
  return es_dni(n);
}

// Italian codice fiscale: 16 characters, check letter from the odd/even position tables.
bool it_codice_fiscale(std::string_view match) {
  static constexpr std::array<int, 26> kOdd{1,  0,  5, 7, 9, 13, 15, 17, 19, 21, 2,  4,  18,
                                            20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23};
  const std::string n = compact_alnum(match);
  if (n.size() != 16) {
    return false;
  }
  // Shape: 6 letters, 2 digits, month letter, 2 digits, letter, 3 digits, check letter
  // (digits may be replaced by letters for homocodes, so only the letter slots are checked).
  for (std::size_t i : {0, 1, 2, 3, 4, 5, 8, 11, 15}) {
    if (n[i] < 'A' || n[i] > 'Z') {
      return false;
    }
  }
  int sum = 0;
  for (std::size_t i = 0; i < 15; ++i) {
    const char c = n[i];
    const int index = c >= 'A' ? c - 'A' : c - '0';
    sum += i % 2 == 0 ? kOdd[static_cast<std::size_t>(index)] : index;
  }
  return n[15] == static_cast<char>('A' + sum % 26);
}

// Dutch BSN: the "11-proof" with the last weight -1.
bool nl_bsn(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 9 || d == "000000000") {
    return false;
  }
  const int sum = weighted_digit_sum(d, {9, 8, 7, 6, 5, 4, 3, 2}) - digit(d, 8);
  return sum % 11 == 0;
}

// Belgian national register number: 97 - (first 9 digits, prefixed by 2 after 2000) mod 97.
bool be_nrn(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 11) {
    return false;
  }
  const std::int64_t first9 = digits_int64(std::string_view(d).substr(0, 9));
  const int check = digits_value(d, 9, 2);
  return 97 - first9 % 97 == check || 97 - (2000000000LL + first9) % 97 == check;
}

// Polish PESEL: weights 1,3,7,9; month encodes the century.
bool pl_pesel(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 11) {
    return false;
  }
  const int month = digits_value(d, 2, 2) % 20;
  if (!valid_date(2000, month == 0 ? 13 : month, 1) && month != 2) {
    return false;
  }
  const int sum = weighted_digit_sum(d, {1, 3, 7, 9, 1, 3, 7, 9, 1, 3});
  return (10 - sum % 10) % 10 == digit(d, 10);
}

// Swedish personnummer / samordningsnummer: YYMMDD(+60 day) NNNC, Luhn over 10 digits.
bool se_personnummer(std::string_view match) {
  std::string d = digits_of(match);
  if (d.size() == 12) {
    d.erase(0, 2);
  }
  if (d.size() != 10) {
    return false;
  }
  const int day = digits_value(d, 4, 2);
  return valid_yymmdd(digits_value(d, 0, 2), digits_value(d, 2, 2), day > 60 ? day - 60 : day) &&
         luhn_valid(d);
}

// Norwegian fødselsnummer: two mod-11 check digits.
bool no_fodselsnummer(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 11) {
    return false;
  }
  int k1 = 11 - weighted_digit_sum(d, {3, 7, 6, 1, 8, 9, 4, 5, 2}) % 11;
  int k2 = 11 - weighted_digit_sum(d, {5, 4, 3, 2, 7, 6, 5, 4, 3, 2}) % 11;
  k1 = k1 == 11 ? 0 : k1;
  k2 = k2 == 11 ? 0 : k2;
  return k1 != 10 && k2 != 10 && k1 == digit(d, 9) && k2 == digit(d, 10);
}

// Danish CPR: DDMMYY-SSSS (the mod-11 rule was dropped in 2007): date only, context decides.
bool dk_cpr(std::string_view match) {
  const std::string d = digits_of(match);
  return d.size() == 10 &&
         valid_yymmdd(digits_value(d, 4, 2), digits_value(d, 2, 2), digits_value(d, 0, 2));
}

// Finnish henkilötunnus: DDMMYY, century sign, 3 digits, check char of n mod 31.
bool fi_hetu(std::string_view match) {
  std::string n;
  for (char c : match) {
    n.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  if (n.size() != 11) {
    return false;
  }
  static constexpr std::string_view kSigns = "+-ABCDEFYXWVU";
  static constexpr std::string_view kChecks = "0123456789ABCDEFHJKLMNPRSTUVWXY";
  if (kSigns.find(n[6]) == std::string_view::npos || !all_digits(n.substr(0, 6)) ||
      !all_digits(n.substr(7, 3)) ||
      !valid_yymmdd(digits_value(n, 4, 2), digits_value(n, 2, 2), digits_value(n, 0, 2))) {
    return false;
  }
  const std::int64_t value = digits_int64(n.substr(0, 6) + n.substr(7, 3));
  return kChecks[static_cast<std::size_t>(value % 31)] == n[10];
}

// Portuguese NIF: weights 9..2, check = 11 - sum mod 11 (10, 11 -> 0).
bool pt_nif(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 9 || std::string_view("12356789").find(d[0]) == std::string_view::npos) {
    return false;
  }
  int check = 11 - weighted_digit_sum(d, {9, 8, 7, 6, 5, 4, 3, 2}) % 11;
  check = check >= 10 ? 0 : check;
  return check == digit(d, 8);
}

// Brazilian CPF and CNPJ: two mod-11 check digits.
bool br_cpf(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 11 || d.find_first_not_of(d[0]) == std::string::npos) {
    return false;
  }
  const int r1 = weighted_digit_sum(d, {10, 9, 8, 7, 6, 5, 4, 3, 2}) * 10 % 11 % 10;
  const int r2 = weighted_digit_sum(d, {11, 10, 9, 8, 7, 6, 5, 4, 3, 2}) * 10 % 11 % 10;
  return r1 == digit(d, 9) && r2 == digit(d, 10);
}
bool br_cnpj(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 14 || d.find_first_not_of(d[0]) == std::string::npos) {
    return false;
  }
  int r1 = weighted_digit_sum(d, {5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2}) % 11;
  int r2 = weighted_digit_sum(d, {6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2}) % 11;
  r1 = r1 < 2 ? 0 : 11 - r1;
  r2 = r2 < 2 ? 0 : 11 - r2;
  return r1 == digit(d, 12) && r2 == digit(d, 13);
}

// Aadhaar: 12 digits, not starting with 0 or 1, Verhoeff check digit.
bool in_aadhaar(std::string_view match) {
  const std::string d = digits_of(match);
  return d.size() == 12 && d[0] >= '2' && verhoeff_valid(d);
}

// Indian PAN: AAAPA9999A, the 4th letter names the holder type.
bool in_pan(std::string_view match) {
  const std::string n = compact_alnum(match);
  return n.size() == 10 && std::string_view("ABCFGHJLPT").find(n[3]) != std::string_view::npos;
}

// Japanese My Number: 11 digits + check, weights 2..7 then 2..6 from the right.
bool jp_my_number(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 12) {
    return false;
  }
  int sum = 0;
  for (int n = 1; n <= 11; ++n) {
    const int p = digit(d, static_cast<std::size_t>(11 - n));
    const int q = n <= 6 ? n + 1 : n - 5;
    sum += p * q;
  }
  const int r = sum % 11;
  return (r <= 1 ? 0 : 11 - r) == digit(d, 11);
}

// Korean resident registration number: YYMMDD + gender digit + weights 2..9,2..5 mod 11.
bool kr_rrn(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 13 ||
      !valid_yymmdd(digits_value(d, 0, 2), digits_value(d, 2, 2), digits_value(d, 4, 2))) {
    return false;
  }
  const int sum = weighted_digit_sum(d, {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5});
  return (11 - sum % 11) % 10 == digit(d, 12);
}

// Singapore NRIC/FIN (S, T, F, G series): weights 2,7,6,5,4,3,2, letter tables.
bool sg_nric(std::string_view match) {
  const std::string n = compact_alnum(match);
  if (n.size() != 9 || !all_digits(std::string_view(n).substr(1, 7))) {
    return false;
  }
  int sum = weighted_digit_sum(std::string_view(n).substr(1), {2, 7, 6, 5, 4, 3, 2});
  if (n[0] == 'T' || n[0] == 'G') {
    sum += 4;
  }
  const std::size_t r = static_cast<std::size_t>(sum % 11);
  if (n[0] == 'S' || n[0] == 'T') {
    return std::string_view("JZIHGFEDCBA")[r] == n[8];
  }
  if (n[0] == 'F' || n[0] == 'G') {
    return std::string_view("XWUTRQPNMLK")[r] == n[8];
  }
  return false;
}

// Australian TFN (weights, mod 11), ABN (mod 89) and Medicare number (weights, mod 10).
bool au_tfn(std::string_view match) {
  const std::string d = digits_of(match);
  return d.size() == 9 && weighted_digit_sum(d, {1, 4, 3, 7, 5, 8, 6, 9, 10}) % 11 == 0;
}
bool au_abn(std::string_view match) {
  std::string d = digits_of(match);
  if (d.size() != 11 || d[0] == '0') {
    return false;
  }
  d[0] = static_cast<char>(d[0] - 1);
  return weighted_digit_sum(d, {10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19}) % 89 == 0;
}
bool au_medicare(std::string_view match) {
  const std::string d = digits_of(match);
  if ((d.size() != 10 && d.size() != 11) || d[0] < '2' || d[0] > '6') {
    return false;
  }
  return weighted_digit_sum(d, {1, 3, 7, 9, 1, 3, 7, 9}) % 10 == digit(d, 8);
}

// Canadian SIN: Luhn, first digit not 0 or 8.
bool ca_sin(std::string_view match) {
  const std::string d = digits_of(match);
  return d.size() == 9 && d[0] != '0' && d[0] != '8' && luhn_valid(d);
}

// Mexican CURP: 18 characters, check digit over the RENAPO alphabet (Ñ at 24).
bool mx_curp(std::string_view match) {
  static constexpr std::string_view kAlphabet = "0123456789ABCDEFGHIJKLMN#OPQRSTUVWXYZ";
  const std::string n = compact_alnum(match);
  if (n.size() != 18 || !all_digits(std::string_view(n).substr(4, 6)) ||
      !valid_yymmdd(digits_value(n, 4, 2), digits_value(n, 6, 2), digits_value(n, 8, 2)) ||
      (n[10] != 'H' && n[10] != 'M' && n[10] != 'X')) {
    return false;
  }
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    const std::size_t value = kAlphabet.find(n[i]);
    if (value == std::string_view::npos) {
      return false;
    }
    sum += static_cast<int>(value) * static_cast<int>(18 - i);
  }
  return (10 - sum % 10) % 10 == n[17] - '0';
}

// Chilean RUT/RUN: mod 11 with weights 2..7 from the right, check 0-9 or K.
bool cl_rut(std::string_view match) {
  const std::string n = compact_alnum(match);
  if (n.size() < 8 || n.size() > 9 || !all_digits(std::string_view(n).substr(0, n.size() - 1))) {
    return false;
  }
  int sum = 0;
  int weight = 2;
  for (std::size_t i = n.size() - 1; i-- > 0;) {
    sum += digit(n, i) * weight;
    weight = weight == 7 ? 2 : weight + 1;
  }
  const int r = 11 - sum % 11;
  const char check = r == 11 ? '0' : (r == 10 ? 'K' : static_cast<char>('0' + r));
  return check == n.back();
}

// Argentine CUIT/CUIL: weights 5,4,3,2,7,6,5,4,3,2 mod 11.
bool ar_cuit(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 11) {
    return false;
  }
  const int prefix = digits_value(d, 0, 2);
  if (prefix != 20 && prefix != 23 && prefix != 24 && prefix != 27 && prefix != 30 &&
      prefix != 33 && prefix != 34) {
    return false;
  }
  int check = 11 - weighted_digit_sum(d, {5, 4, 3, 2, 7, 6, 5, 4, 3, 2}) % 11;
  check = check == 11 ? 0 : check;
  return check != 10 && check == digit(d, 10);
}

// South African identity number: YYMMDD, citizenship 0/1/2, Luhn.
bool za_id(std::string_view match) {
  const std::string d = digits_of(match);
  return d.size() == 13 &&
         valid_yymmdd(digits_value(d, 0, 2), digits_value(d, 2, 2), digits_value(d, 4, 2)) &&
         d[10] <= '2' && luhn_valid(d);
}

// Turkish T.C. Kimlik No: two check digits.
bool tr_tckn(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 11 || d[0] == '0') {
    return false;
  }
  const int odd = digit(d, 0) + digit(d, 2) + digit(d, 4) + digit(d, 6) + digit(d, 8);
  const int even = digit(d, 1) + digit(d, 3) + digit(d, 5) + digit(d, 7);
  const int d10 = ((odd * 7 - even) % 10 + 10) % 10;
  int total = 0;
  for (std::size_t i = 0; i < 10; ++i) {
    total += digit(d, i);
  }
  return d10 == digit(d, 9) && total % 10 == digit(d, 10);
}

// Israeli Teudat Zehut: 9 digits, Luhn.
bool il_id(std::string_view match) {
  const std::string d = digits_of(match);
  return d.size() == 9 && luhn_valid(d);
}

// Romanian CNP: weights 279146358279 mod 11 (10 -> 1), sex/century digit 1-9, date.
bool ro_cnp(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 13 || d[0] == '0' ||
      !valid_yymmdd(digits_value(d, 1, 2), digits_value(d, 3, 2), digits_value(d, 5, 2))) {
    return false;
  }
  int check = weighted_digit_sum(d, {2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9}) % 11;
  check = check == 10 ? 1 : check;
  return check == digit(d, 12);
}

// Czech/Slovak birth number (rodné číslo): 10 digits divisible by 11 (or the 1954-1985 rule
// where the first 9 mod 11 is 10 and the check is 0); month +50 (women), +20/+70 (2004-).
bool cz_rodne_cislo(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 10) {
    return false;
  }
  int month = digits_value(d, 2, 2);
  month = month > 70 ? month - 70 : (month > 50 ? month - 50 : (month > 20 ? month - 20 : month));
  if (!valid_yymmdd(digits_value(d, 0, 2), month, digits_value(d, 4, 2))) {
    return false;
  }
  const std::int64_t value = digits_int64(d);
  const std::int64_t first9 = value / 10;
  return value % 11 == 0 || (first9 % 11 == 10 && d[9] == '0');
}

// Estonian isikukood and Lithuanian asmens kodas: two-stage mod-11 check digit.
bool baltic_personal_code(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 11 || d[0] < '1' || d[0] > '6' ||
      !valid_yymmdd(digits_value(d, 1, 2), digits_value(d, 3, 2), digits_value(d, 5, 2))) {
    return false;
  }
  int r = weighted_digit_sum(d, {1, 2, 3, 4, 5, 6, 7, 8, 9, 1}) % 11;
  if (r == 10) {
    r = weighted_digit_sum(d, {3, 4, 5, 6, 7, 8, 9, 1, 2, 3}) % 11;
    r = r == 10 ? 0 : r;
  }
  return r == digit(d, 10);
}

// Croatian OIB: ISO 7064 MOD 11,10.
bool hr_oib(std::string_view match) {
  const std::string d = digits_of(match);
  return d.size() == 11 && iso7064_mod11_10_valid(d);
}

// Irish PPS number: 7 digits, check letter (and an optional second letter) mod 23.
bool ie_pps(std::string_view match) {
  const std::string n = compact_alnum(match);
  if ((n.size() != 8 && n.size() != 9) || !all_digits(std::string_view(n).substr(0, 7))) {
    return false;
  }
  int sum = weighted_digit_sum(n, {8, 7, 6, 5, 4, 3, 2});
  if (n.size() == 9) {
    if (n[8] < 'A' || n[8] > 'Z') {
      return false;
    }
    sum += (n[8] == 'W' ? 0 : n[8] - 'A' + 1) * 9;
  }
  return std::string_view("WABCDEFGHIJKLMNOPQRSTUV")[static_cast<std::size_t>(sum % 23)] == n[7];
}

// Swiss AHV/AVS number: 756 + 10 digits, EAN-13 check digit.
bool ch_ahv(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 13 || !d.starts_with("756")) {
    return false;
  }
  const int sum = weighted_digit_sum(d, {1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3});
  return (10 - sum % 10) % 10 == digit(d, 12);
}

// Greek AMKA: DDMMYY + 5 digits, Luhn.
bool gr_amka(std::string_view match) {
  const std::string d = digits_of(match);
  return d.size() == 11 &&
         valid_yymmdd(digits_value(d, 4, 2), digits_value(d, 2, 2), digits_value(d, 0, 2)) &&
         luhn_valid(d);
}

// Bulgarian EGN: weights 2,4,8,5,10,9,7,3,6 mod 11 (10 -> 0).
bool bg_egn(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 10) {
    return false;
  }
  int month = digits_value(d, 2, 2);
  month = month > 40 ? month - 40 : (month > 20 ? month - 20 : month);
  if (!valid_yymmdd(digits_value(d, 0, 2), month, digits_value(d, 4, 2))) {
    return false;
  }
  int check = weighted_digit_sum(d, {2, 4, 8, 5, 10, 9, 7, 3, 6}) % 11;
  check = check == 10 ? 0 : check;
  return check == digit(d, 9);
}

// Icelandic kennitala: DDMMYY RR C D; weights 3,2,7,6,5,4,3,2 mod 11; century 8, 9 or 0.
bool is_kennitala(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 10 || (d[9] != '8' && d[9] != '9' && d[9] != '0')) {
    return false;
  }
  int day = digits_value(d, 0, 2);
  day = day > 40 ? day - 40 : day;  // companies add 40
  if (!valid_yymmdd(digits_value(d, 4, 2), digits_value(d, 2, 2), day)) {
    return false;
  }
  int check = 11 - weighted_digit_sum(d, {3, 2, 7, 6, 5, 4, 3, 2}) % 11;
  check = check == 11 ? 0 : check;
  return check != 10 && check == digit(d, 8);
}

// Austrian social insurance number: NNNC DDMMYY, weights 3,7,9,-,5,8,4,2,1,6 mod 11.
bool at_svnr(std::string_view match) {
  const std::string d = digits_of(match);
  if (d.size() != 10 || d[0] == '0') {
    return false;
  }
  const int sum = digit(d, 0) * 3 + digit(d, 1) * 7 + digit(d, 2) * 9 + digit(d, 4) * 5 +
                  digit(d, 5) * 8 + digit(d, 6) * 4 + digit(d, 7) * 2 + digit(d, 8) * 1 +
                  digit(d, 9) * 6;
  return sum % 11 != 10 && sum % 11 == digit(d, 3);
}

}  // namespace

std::span<const NamedValidator> national_id_validators() {
  static const std::vector<NamedValidator> list{
      {"us_ssn", us_ssn, "SSA area/group/serial rules"},
      {"us_itin", us_itin, "9xx with an IRS ITIN group"},
      {"us_ein", us_ein, "IRS campus prefix"},
      {"us_aba", us_aba, "ABA 3-7-1 checksum and Federal Reserve prefix"},
      {"us_npi", us_npi, "Luhn over 80840 + NPI"},
      {"uk_nino", uk_nino, "HMRC prefix rules, suffix A-D"},
      {"uk_nhs", uk_nhs, "mod-11 weights 10..2"},
      {"de_tax_id", de_tax_id, "digit repetition rule, ISO 7064 MOD 11,10"},
      {"fr_nir", fr_nir, "97 - number mod 97 (Corsica 2A/2B)"},
      {"es_dni", es_dni, "check letter of n mod 23"},
      {"es_nie", es_nie, "X/Y/Z prefix, check letter of n mod 23"},
      {"it_codice_fiscale", it_codice_fiscale, "odd/even tables, check letter mod 26"},
      {"nl_bsn", nl_bsn, "11-proof"},
      {"be_nrn", be_nrn, "97 - n mod 97 (prefix 2 after 2000)"},
      {"pl_pesel", pl_pesel, "weights 1,3,7,9 mod 10"},
      {"se_personnummer", se_personnummer, "date (+60 for coordination numbers), Luhn"},
      {"no_fodselsnummer", no_fodselsnummer, "two mod-11 check digits"},
      {"dk_cpr", dk_cpr, "valid DDMMYY date"},
      {"fi_hetu", fi_hetu, "date, century sign, check character mod 31"},
      {"pt_nif", pt_nif, "mod-11 weights 9..2"},
      {"br_cpf", br_cpf, "two mod-11 check digits"},
      {"br_cnpj", br_cnpj, "two mod-11 check digits"},
      {"in_aadhaar", in_aadhaar, "Verhoeff, first digit 2-9"},
      {"in_pan", in_pan, "holder-type letter"},
      {"jp_my_number", jp_my_number, "mod-11 check digit"},
      {"kr_rrn", kr_rrn, "date and mod-11 check digit"},
      {"sg_nric", sg_nric, "S/T/F/G series check letter"},
      {"au_tfn", au_tfn, "weighted mod 11"},
      {"au_abn", au_abn, "weighted mod 89"},
      {"au_medicare", au_medicare, "weighted mod 10"},
      {"ca_sin", ca_sin, "Luhn, first digit not 0 or 8"},
      {"mx_curp", mx_curp, "date, sex letter, RENAPO check digit"},
      {"cl_rut", cl_rut, "mod 11, check 0-9 or K"},
      {"ar_cuit", ar_cuit, "type prefix, mod 11"},
      {"za_id", za_id, "date, citizenship digit, Luhn"},
      {"tr_tckn", tr_tckn, "two check digits"},
      {"il_id", il_id, "Luhn over 9 digits"},
      {"ro_cnp", ro_cnp, "date, weights 279146358279 mod 11"},
      {"cz_rodne_cislo", cz_rodne_cislo, "date, divisible by 11"},
      {"baltic_personal_code", baltic_personal_code, "two-stage mod 11 (EE, LT)"},
      {"hr_oib", hr_oib, "ISO 7064 MOD 11,10"},
      {"ie_pps", ie_pps, "check letter mod 23"},
      {"ch_ahv", ch_ahv, "756 prefix, EAN-13 check digit"},
      {"gr_amka", gr_amka, "date and Luhn"},
      {"bg_egn", bg_egn, "date, weighted mod 11"},
      {"is_kennitala", is_kennitala, "date, weighted mod 11, century digit"},
      {"at_svnr", at_svnr, "weighted mod 11 check digit"},
      {"context", shape_only, "no checksum; needs a context word"},
  };
  return list;
}

}  // namespace chitin::privacy
