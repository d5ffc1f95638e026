#include "values.h"

#include <fmt/core.h>

#include <array>
#include <cstdint>

#include "base/crypto.h"
#include "base/encoding.h"
#include "privacy/checksums.h"
#include "privacy/iban_registry.h"
#include "privacy/keccak.h"

namespace chitin::privacy::eval {

namespace {

using Rng = std::mt19937_64;

int uniform(Rng& rng, int low, int high) {
  return std::uniform_int_distribution<int>(low, high)(rng);
}

template <class T>
const T& pick(Rng& rng, const std::vector<T>& items) {
  return items[static_cast<std::size_t>(uniform(rng, 0, static_cast<int>(items.size()) - 1))];
}

std::string_view pick(Rng& rng, std::initializer_list<std::string_view> items) {
  return *(items.begin() + uniform(rng, 0, static_cast<int>(items.size()) - 1));
}

std::string digits(Rng& rng, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    out.push_back(static_cast<char>('0' + uniform(rng, 0, 9)));
  }
  return out;
}

std::string chars_from(Rng& rng, std::string_view alphabet, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    out.push_back(
        alphabet[static_cast<std::size_t>(uniform(rng, 0, static_cast<int>(alphabet.size()) - 1))]);
  }
  return out;
}

constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kAlnum =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view kHex = "0123456789abcdef";

// Groups `text` by `sizes` with `separator` (the last group takes the rest).
std::string grouped(std::string_view text, std::initializer_list<int> sizes,
                    std::string_view separator) {
  std::string out;
  std::size_t at = 0;
  for (int size : sizes) {
    if (at >= text.size()) {
      break;
    }
    if (!out.empty()) {
      out.append(separator);
    }
    out.append(text.substr(at, static_cast<std::size_t>(size)));
    at += static_cast<std::size_t>(size);
  }
  if (at < text.size()) {
    out.append(separator);
    out.append(text.substr(at));
  }
  return out;
}

std::string birth_date(Rng& rng, int* year = nullptr, int* month = nullptr, int* day = nullptr) {
  const int y = uniform(rng, 1950, 2005);
  const int m = uniform(rng, 1, 12);
  const int d = uniform(rng, 1, 28);
  if (year != nullptr) {
    *year = y;
    *month = m;
    *day = d;
  }
  return fmt::format("{:04}{:02}{:02}", y, m, d);
}

// Real county-level area code prefixes (province + city + county), a sample.
const std::vector<std::string> kAreaCodes{
    "110101", "110105", "120103", "130102", "140105", "210102", "220102", "310104",
    "310115", "320102", "330106", "340104", "350102", "360102", "370102", "410105",
    "420106", "430104", "440305", "440106", "450103", "500103", "510107", "520102",
    "530102", "610113", "620102", "650102", "460106", "640104"};

std::string cn_id(Rng& rng, bool break_check) {
  std::string id = pick(rng, kAreaCodes) + birth_date(rng) + digits(rng, 3);
  char check = gb11643_check_char(id);
  if (break_check) {
    check = check == '0' ? '1'
                         : (check == 'X' ? '3' : static_cast<char>(check == '9' ? '0' : check + 1));
  }
  id.push_back(check);
  return id;
}

std::string luhn_number(Rng& rng, std::string prefix, int length) {
  prefix += digits(rng, length - 1 - static_cast<int>(prefix.size()));
  prefix.push_back(luhn_check_digit(prefix));
  return prefix;
}

std::string card_format(Rng& rng, const std::string& number) {
  switch (uniform(rng, 0, 2)) {
    case 0:
      return number;
    case 1:
      return number.size() == 15 ? grouped(number, {4, 6, 5}, " ")
                                 : grouped(number, {4, 4, 4, 4}, " ");
    default:
      return number.size() == 15 ? grouped(number, {4, 6, 5}, "-")
                                 : grouped(number, {4, 4, 4, 4}, "-");
  }
}

std::string base58(const std::vector<std::uint8_t>& bytes) {
  static constexpr std::string_view kAlphabet =
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  std::vector<std::uint8_t> number(bytes);
  std::string out;
  while (!number.empty()) {
    unsigned remainder = 0;
    std::vector<std::uint8_t> quotient;
    for (std::uint8_t byte : number) {
      const unsigned value = remainder * 256 + byte;
      const auto q = static_cast<std::uint8_t>(value / 58);
      remainder = value % 58;
      if (!quotient.empty() || q != 0) {
        quotient.push_back(q);
      }
    }
    out.insert(out.begin(), kAlphabet[remainder]);
    number = quotient;
  }
  for (std::uint8_t byte : bytes) {
    if (byte != 0) {
      break;
    }
    out.insert(out.begin(), '1');
  }
  return out;
}

std::string bitcoin_address(Rng& rng) {
  std::vector<std::uint8_t> payload{static_cast<std::uint8_t>(uniform(rng, 0, 1) == 0 ? 0 : 5)};
  for (int i = 0; i < 20; ++i) {
    payload.push_back(static_cast<std::uint8_t>(uniform(rng, 0, 255)));
  }
  const auto first = crypto::sha256(payload);
  const auto second = crypto::sha256(first);
  payload.insert(payload.end(), second.begin(), second.begin() + 4);
  return base58(payload);
}

std::string ethereum_address(Rng& rng) {
  const std::string hex = chars_from(rng, kHex, 40);
  if (uniform(rng, 0, 2) == 0) {
    return "0x" + hex;
  }
  const auto hash = keccak256(hex);
  std::string out = "0x";
  for (std::size_t i = 0; i < 40; ++i) {
    const int nibble = i % 2 == 0 ? hash[i / 2] >> 4 : hash[i / 2] & 0x0F;
    const char c = hex[i];
    out.push_back(c >= 'a' && nibble >= 8 ? static_cast<char>(c - 32) : c);
  }
  return out;
}

std::string iban(Rng& rng) {
  const auto countries = iban_countries();
  const IbanCountry& country =
      countries[static_cast<std::size_t>(uniform(rng, 0, static_cast<int>(countries.size()) - 1))];
  std::string bban;
  std::size_t count = 0;
  for (char c : country.bban) {
    if (c >= '0' && c <= '9') {
      count = count * 10 + static_cast<std::size_t>(c - '0');
      continue;
    }
    const std::string_view alphabet =
        c == 'n'   ? std::string_view("0123456789")
        : c == 'a' ? kUpper
                   : std::string_view("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    bban += chars_from(rng, alphabet, static_cast<int>(count));
    count = 0;
  }
  const std::string electronic = country.code + iban_check_digits(country.code, bban) + bban;
  return uniform(rng, 0, 1) == 0 ? electronic : grouped(electronic, {4, 4, 4, 4, 4, 4, 4, 4}, " ");
}

std::string api_key(Rng& rng) {
  switch (uniform(rng, 0, 9)) {
    case 0:
      return "AKIA" + chars_from(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
    case 1:
      return "ghp_" + chars_from(rng, kAlnum, 36);
    case 2:
      return "sk-ant-api03-" + chars_from(rng, std::string(kAlnum) + "_-", 93) + "AA";
    case 3:
      return "xoxb-" + digits(rng, 12) + "-" + digits(rng, 13) + "-" + chars_from(rng, kAlnum, 24);
    case 4:
      return "glpat-" + chars_from(rng, std::string(kAlnum) + "_-", 20);
    case 5:
      return "AIza" + chars_from(rng, std::string(kAlnum) + "_-", 35);
    case 6:
      return "sk_live_" + chars_from(rng, kAlnum, 24);
    case 7:
      return "hf_" + chars_from(rng, std::string(kUpper) + "abcdefghijklmnopqrstuvwxyz", 34);
    case 8:
      return "LTAI" + chars_from(rng, kAlnum, 20);
    default:
      return "AKID" + chars_from(rng, kAlnum, 32);
  }
}

std::string base64url(std::string_view text) {
  return base64_encode(as_bytes(text), Base64Variant::kUrlNoPadding);
}

std::string hk_id(Rng& rng) {
  const char letter = kUpper[static_cast<std::size_t>(uniform(rng, 0, 25))];
  const std::string body = digits(rng, 6);
  int sum = 36 * 9 + (letter - 'A' + 10) * 8;
  for (int i = 0; i < 6; ++i) {
    sum += (body[static_cast<std::size_t>(i)] - '0') * (7 - i);
  }
  const int check = (11 - sum % 11) % 11;
  return fmt::format("{}{}({})", letter, body, check == 10 ? 'A' : static_cast<char>('0' + check));
}

std::string tw_id(Rng& rng) {
  static constexpr std::array<int, 26> kLetter{10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21,
                                               22, 35, 23, 24, 25, 26, 27, 28, 29, 32, 30, 31, 33};
  const int index = uniform(rng, 0, 25);
  std::string id(1, kUpper[static_cast<std::size_t>(index)]);
  id.push_back(uniform(rng, 0, 1) == 0 ? '1' : '2');
  id += digits(rng, 7);
  const int code = kLetter[static_cast<std::size_t>(index)];
  int sum = code / 10 + (code % 10) * 9;
  for (std::size_t i = 1; i < 9; ++i) {
    sum += (id[i] - '0') * static_cast<int>(9 - i);
  }
  id.push_back(static_cast<char>('0' + (10 - sum % 10) % 10));
  return id;
}

std::string uscc(Rng& rng) {
  static constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  std::string code = std::string(pick(rng, {"91", "92", "93", "11", "51", "52"})) +
                     pick(rng, kAreaCodes) + chars_from(rng, kAlphabet, 9);
  code.push_back(*gb32100_check_char(code));
  return code;
}

std::string uk_nino(Rng& rng) {
  const std::string prefix =
      std::string(pick(rng, {"AB", "CE", "JG", "KM", "PR", "SW", "TL", "WP"}));
  const std::string body = digits(rng, 6);
  const char suffix = "ABCD"[uniform(rng, 0, 3)];
  return uniform(rng, 0, 1) == 0 ? prefix + body + suffix
                                 : fmt::format("{} {} {} {} {}", prefix, body.substr(0, 2),
                                               body.substr(2, 2), body.substr(4, 2), suffix);
}

const std::vector<std::string> kStreetsZh{"科技园", "建设", "人民", "解放", "中山", "南京东",
                                          "学院",   "文化", "长安", "滨河", "新华", "光明"};
const std::vector<std::string> kStreetsEn{"Baker",  "Maple",  "Oak",    "Elm",  "Cedar", "Park",
                                          "Harbor", "Sunset", "Willow", "King", "Queen", "Mill"};
const std::vector<std::string> kCitiesEn{"London", "Springfield", "Portland", "Austin",
                                         "Leeds",  "Denver",      "Toronto",  "Boston"};
const std::vector<std::string> kBrandsZh{"腾飞", "华信", "星河", "宏达", "锦程",
                                         "蓝海", "智云", "博远", "恒通", "瑞丰"};
const std::vector<std::string> kBrandsEn{"Acme",  "Globex", "Initech",  "Umbrella",  "Stark",
                                         "Wayne", "Hooli",  "Vandelay", "Northwind", "Contoso"};
const std::vector<std::string> kProvinceCityDistrict{
    "广东省深圳市南山区", "北京市朝阳区",       "上海市浦东新区",     "浙江省杭州市西湖区",
    "四川省成都市武侯区", "江苏省南京市鼓楼区", "湖北省武汉市洪山区", "福建省厦门市思明区",
    "山东省青岛市市南区", "陕西省西安市雁塔区"};

std::string address_zh(Rng& rng) {
  std::string out = pick(rng, kProvinceCityDistrict) + pick(rng, kStreetsZh) +
                    std::string(pick(rng, {"路", "街", "大道"})) +
                    std::to_string(uniform(rng, 1, 999)) + "号";
  if (uniform(rng, 0, 1) == 0) {
    out += fmt::format("{}栋{}室", uniform(rng, 1, 30), uniform(rng, 101, 2808));
  }
  return out;
}

std::string address_en(Rng& rng) {
  std::string out = fmt::format("{} {} {}", uniform(rng, 1, 9999), pick(rng, kStreetsEn),
                                pick(rng, {"Street", "Road", "Avenue", "Lane", "Drive"}));
  if (uniform(rng, 0, 2) == 0) {
    out += fmt::format(", Apt {}", uniform(rng, 1, 40));
  }
  if (uniform(rng, 0, 1) == 0) {
    out += ", " + pick(rng, kCitiesEn);
  }
  return out;
}

std::string date_text(Rng& rng, int y, int m, int d) {
  static constexpr std::array<std::string_view, 12> kMonths{
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  switch (uniform(rng, 0, 3)) {
    case 0:
      return fmt::format("{:04}-{:02}-{:02}", y, m, d);
    case 1:
      return fmt::format("{}年{}月{}日", y, m, d);
    case 2:
      return fmt::format("{:02}/{:02}/{:04}", d, m, y);
    default:
      return fmt::format("{} {}, {}", kMonths[static_cast<std::size_t>(m - 1)], d, y);
  }
}

}  // namespace

bool is_positive_slot(std::string_view slot) {
  for (std::string_view negative :
       {"ORDER_NO", "TRACKING_NO", "TIMESTAMP", "BAD_CN_ID", "BAD_CARD", "AMOUNT", "VERSION",
        "DATE", "HEX_HASH", "UUID", "PRODUCT_CODE", "INVOICE_NO", "ROOM_NO", "QUANTITY"}) {
    if (slot == negative) {
      return false;
    }
  }
  return true;
}

std::string generate_value(std::string_view slot, Rng& rng, const NameLists& names) {
  if (slot == "PERSON_ZH")
    return pick(rng, names.zh);
  if (slot == "PERSON_EN")
    return pick(rng, names.en);
  if (slot == "CN_ID")
    return cn_id(rng, false);
  if (slot == "BAD_CN_ID")
    return cn_id(rng, true);
  if (slot == "CN_ID_15")
    return pick(rng, kAreaCodes) + birth_date(rng).substr(2) + digits(rng, 3);
  if (slot == "CN_USCC")
    return uscc(rng);
  if (slot == "CN_MOBILE") {
    const std::string number = "1" + std::string(1, "3456789"[uniform(rng, 0, 6)]) + digits(rng, 9);
    switch (uniform(rng, 0, 3)) {
      case 0:
        return number;
      case 1:
        return "+86 " + grouped(number, {3, 4, 4}, " ");
      case 2:
        return grouped(number, {3, 4, 4}, "-");
      default:
        return "+86" + number;
    }
  }
  if (slot == "CN_LANDLINE") {
    switch (uniform(rng, 0, 2)) {
      case 0:
        return "010-" + std::to_string(uniform(rng, 2, 8)) + digits(rng, 7);
      case 1:
        return std::string(pick(rng, {"0755", "0571", "0512", "0731"})) + "-" +
               std::to_string(uniform(rng, 2, 8)) + digits(rng, 6);
      default:
        return "(021)" + std::to_string(uniform(rng, 2, 8)) + digits(rng, 7);
    }
  }
  if (slot == "CN_BANK_CARD")
    return card_format(rng,
                       luhn_number(rng, "62" + digits(rng, 4), uniform(rng, 0, 1) == 0 ? 16 : 19));
  if (slot == "CN_PASSPORT")
    return uniform(rng, 0, 1) == 0 ? "E" + digits(rng, 8) : "EA" + digits(rng, 7);
  if (slot == "HK_ID")
    return hk_id(rng);
  if (slot == "TW_ID")
    return tw_id(rng);
  if (slot == "MO_ID")
    return fmt::format("{}{}({})", "1578"[uniform(rng, 0, 3)], digits(rng, 6), uniform(rng, 0, 9));
  if (slot == "CN_HMT_PERMIT")
    return std::string(1, "HM"[uniform(rng, 0, 1)]) + digits(rng, 8);
  if (slot == "CN_PLATE")
    return std::string(pick(rng, {"粤", "京", "沪", "浙", "苏", "川", "鄂"})) +
           std::string(1, "ABCDEFGH"[uniform(rng, 0, 7)]) +
           chars_from(rng, "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", 5);
  if (slot == "CARD") {
    switch (uniform(rng, 0, 3)) {
      case 0:
        return card_format(rng, luhn_number(rng, "4", 16));
      case 1:
        return card_format(rng, luhn_number(rng, "5" + std::to_string(uniform(rng, 1, 5)), 16));
      case 2:
        return card_format(rng, luhn_number(rng, uniform(rng, 0, 1) == 0 ? "34" : "37", 15));
      default:
        return card_format(rng, luhn_number(rng, "6011", 16));
    }
  }
  if (slot == "BAD_CARD") {
    std::string number = luhn_number(rng, "4", 16);
    number.back() = static_cast<char>('0' + (number.back() - '0' + 1) % 10);
    return number;
  }
  if (slot == "IBAN")
    return iban(rng);
  if (slot == "US_SSN")
    return fmt::format("{:03}-{:02}-{:04}", uniform(rng, 1, 665), uniform(rng, 1, 99),
                       uniform(rng, 1, 9999));
  if (slot == "US_ITIN")
    return fmt::format("9{:02}-{}-{:04}", uniform(rng, 0, 99), uniform(rng, 70, 88),
                       uniform(rng, 0, 9999));
  if (slot == "UK_NINO")
    return uk_nino(rng);
  if (slot == "EMAIL")
    return fmt::format(
        "{}.{}{}@{}", chars_from(rng, "abcdefghijklmnopqrstuvwxyz", uniform(rng, 3, 8)),
        chars_from(rng, "abcdefghijklmnopqrstuvwxyz", uniform(rng, 2, 6)), uniform(rng, 0, 99),
        pick(rng, {"example.com", "mail.example.cn", "corp.example.org", "qq.com", "163.com",
                   "gmail.com"}));
  if (slot == "PHONE_INTL") {
    switch (uniform(rng, 0, 3)) {
      case 0:
        return fmt::format("+44 20 {} {}", digits(rng, 4), digits(rng, 4));
      case 1:
        return fmt::format("+1 {}-{}-{}", uniform(rng, 201, 989), uniform(rng, 200, 999),
                           digits(rng, 4));
      case 2:
        return fmt::format("+49 30 {}", digits(rng, 8));
      default:
        return fmt::format("+65 {} {}", uniform(rng, 6000, 9999), digits(rng, 4));
    }
  }
  if (slot == "IPV4")
    return fmt::format("{}.{}.{}.{}", uniform(rng, 1, 223), uniform(rng, 0, 255),
                       uniform(rng, 0, 255), uniform(rng, 1, 254));
  if (slot == "IPV6") {
    std::string out = "2001:db8";
    for (int i = 0; i < 6; ++i) out += ":" + chars_from(rng, kHex, uniform(rng, 1, 4));
    return out;
  }
  if (slot == "MAC")
    return grouped(chars_from(rng, "0123456789ABCDEF", 12), {2, 2, 2, 2, 2, 2},
                   uniform(rng, 0, 1) == 0 ? ":" : "-");
  if (slot == "URL_CRED")
    return fmt::format(
        "{}://{}:{}@{}.example.com:{}/app", pick(rng, {"postgres", "mysql", "https", "redis"}),
        chars_from(rng, "abcdefghijklmnopqrstuvwxyz", 5), chars_from(rng, kAlnum, 12),
        chars_from(rng, "abcdefghijklmnopqrstuvwxyz", 4), uniform(rng, 1000, 9999));
  if (slot == "URL_TOKEN")
    return fmt::format(
        "https://api.example.com/v1/{}?{}={}", chars_from(rng, "abcdefghijklmnopqrstuvwxyz", 6),
        pick(rng, {"token", "access_token", "api_key", "sig"}), chars_from(rng, kAlnum, 32));
  if (slot == "JWT")
    return base64url(R"({"alg":"HS256","typ":"JWT"})") + "." +
           base64url(fmt::format(R"({{"sub":"{}","iat":{}}})", digits(rng, 6), digits(rng, 10))) +
           "." + chars_from(rng, std::string(kAlnum) + "_-", 43);
  if (slot == "API_KEY")
    return api_key(rng);
  if (slot == "CRYPTO_BTC")
    return bitcoin_address(rng);
  if (slot == "CRYPTO_ETH")
    return ethereum_address(rng);
  if (slot == "DOB" || slot == "DATE") {
    int y = 0, m = 0, d = 0;
    birth_date(rng, &y, &m, &d);
    if (slot == "DATE")
      y = uniform(rng, 2019, 2026);
    return date_text(rng, y, m, d);
  }
  if (slot == "ADDRESS_ZH")
    return address_zh(rng);
  if (slot == "ADDRESS_EN")
    return address_en(rng);
  if (slot == "ORG_ZH")
    return std::string(pick(rng, {"深圳市", "北京", "上海", "杭州", ""})) + pick(rng, kBrandsZh) +
           std::string(pick(rng, {"科技", "贸易", "信息技术", "文化传媒", "电子"})) +
           std::string(pick(rng, {"有限公司", "股份有限公司"}));
  if (slot == "ORG_EN")
    return pick(rng, kBrandsEn) +
           std::string(pick(rng, {" Widgets", " Systems", " Trading", " Labs", ""})) + " " +
           std::string(pick(rng, {"Ltd", "LLC", "Inc.", "GmbH", "PLC"}));
  // Negatives.
  if (slot == "ORDER_NO")
    return std::to_string(uniform(rng, 1, 9)) + digits(rng, uniform(rng, 15, 19));
  if (slot == "TRACKING_NO")
    return std::string(pick(rng, {"SF", "YT", "JD", "ZTO"})) + digits(rng, uniform(rng, 12, 15));
  if (slot == "TIMESTAMP") {
    switch (uniform(rng, 0, 2)) {
      case 0:
        return fmt::format("2024-{:02}-{:02} {:02}:{:02}:{:02}", uniform(rng, 1, 12),
                           uniform(rng, 1, 28), uniform(rng, 0, 23), uniform(rng, 0, 59),
                           uniform(rng, 0, 59));
      case 1:
        return "17" + digits(rng, 8);
      default:
        return "17" + digits(rng, 11);
    }
  }
  if (slot == "AMOUNT")
    return fmt::format("{}{},{:03}.{:02}", pick(rng, {"¥", "$", "€"}), uniform(rng, 1, 99),
                       uniform(rng, 0, 999), uniform(rng, 0, 99));
  if (slot == "VERSION")
    return fmt::format("{}{}.{}.{}", pick(rng, {"v", ""}), uniform(rng, 0, 12), uniform(rng, 0, 30),
                       uniform(rng, 0, 99));
  if (slot == "HEX_HASH")
    return chars_from(rng, kHex, uniform(rng, 0, 1) == 0 ? 40 : 64);
  if (slot == "UUID")
    return fmt::format("{}-{}-4{}-a{}-{}", chars_from(rng, kHex, 8), chars_from(rng, kHex, 4),
                       chars_from(rng, kHex, 3), chars_from(rng, kHex, 3),
                       chars_from(rng, kHex, 12));
  if (slot == "PRODUCT_CODE")
    return fmt::format("SKU-{}-{:05}", uniform(rng, 2019, 2026), uniform(rng, 1, 99999));
  if (slot == "INVOICE_NO")
    return fmt::format("INV-{}-{:06}", uniform(rng, 2019, 2026), uniform(rng, 1, 999999));
  if (slot == "ROOM_NO")
    return std::to_string(uniform(rng, 101, 2808));
  if (slot == "QUANTITY")
    return std::to_string(uniform(rng, 1, 500));
  return {};
}

}  // namespace chitin::privacy::eval
