// Built-in types: Chinese identifiers, payment cards, contact and network identifiers,
// tokens and keys, crypto-currency addresses, dates of birth.
#include <array>
#include <string_view>

#include "privacy/catalog.h"

// The type tables use designated initialisers and rely on EntityType's default member
// initialisers for the fields a type leaves out; GCC 12 still warns about those (fixed in
// GCC 13, PR 96868), so the warning is off in the files that build types.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace chitin::privacy {

namespace {

// Province-level abbreviations on Chinese number plates.
constexpr std::array<std::string_view, 31> kPlateProvinces{
    "京", "津", "沪", "渝", "冀", "豫", "云", "辽", "黑", "湘", "皖", "鲁", "新", "苏", "浙", "赣",
    "鄂", "桂", "甘", "晋", "蒙", "陕", "吉", "闽", "贵", "粤", "青", "藏", "川", "宁", "琼"};

const std::vector<std::string> kIdContext{"身份证",   "证件",     "身份证号", "身份号码",
                                          "公民身份", "证号",     "旧号码",   "老号码",
                                          "ID",       "identity", "id card",  "id no"};
// The old number is often introduced by its length ("the old 15-digit one").
const std::vector<std::string> kId15Context = [] {
  std::vector<std::string> words = kIdContext;
  words.insert(words.end(), {"15-digit", "15 digit", "15位", "十五位"});
  return words;
}();
const std::vector<std::string> kPassportContext{"护照", "passport", "證件", "证件", "旅行证件",
                                                "出境", "入境",     "签证", "visa"};
// Context words are words: "phone" is not in "telephone", so the compounds are listed.
const std::vector<std::string> kPhoneContext{"电话",      "手机", "联系", "tel",      "phone",
                                             "mobile",    "call", "cell", "whatsapp", "telephone",
                                             "cellphone", "fax",  "传真", "致电"};
const std::vector<std::string> kCardContext{"卡号", "银行卡",     "信用卡", "借记卡", "card",
                                            "visa", "mastercard", "amex",   "付款",   "payment"};

}  // namespace

std::string alternation(std::span<const std::string_view> words) {
  std::string out = "(?:";
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) {
      out += '|';
    }
    out += words[i];
  }
  out += ')';
  return out;
}

void add_core_types(std::vector<EntityType>& out) {
  const std::string han = R"((?:[\xE4-\xE9][\x80-\xBF]{2}))";
  (void)han;
  // --- China ---
  out.push_back({.id = "CN_RESIDENT_ID",
                 .label = "CN_ID",
                 .category = "government_id",
                 .regions = "CN",
                 .description = "Mainland resident identity card number (18 characters)",
                 .pattern = R"([1-9][0-9]{5}[ ]?(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2]))"
                            R"((?:0[1-9]|[12][0-9]|3[01])[ ]?[0-9]{3}[0-9Xx])",
                 .validator = "cn_resident_id",
                 .context = kIdContext,
                 // No negative word vetoes it (医保 个人编号 is this number), and letters may
                 // touch it (学籍号 G + the ID number): area, date and check digit are evidence
                 // enough.
                 .self_evident = true,
                 .score = 0.99F,
                 .boundary = Boundary::kDigit,
                 .canonical = Canonical::kAlnum,
                 .example = "11010519491231002X"});
  out.push_back({.id = "CN_RESIDENT_ID_15",
                 .label = "CN_ID",
                 .category = "government_id",
                 .regions = "CN",
                 .description = "Mainland resident identity number issued before 1999 (15 digits)",
                 .pattern = R"([1-9][0-9]{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3})",
                 .validator = "cn_resident_id_15",
                 .context = kId15Context,
                 .context_required = true,
                 .record = RecordField::kYes,  // 1961-01-06,郑静,370102831028428
                 .score = 0.85F,
                 .canonical = Canonical::kDigits,
                 .example = "110105491231002"});
  out.push_back({.id = "CN_USCC",
                 .label = "CN_USCC",
                 .category = "organization_id",
                 .regions = "CN",
                 .description = "Unified social credit code of an organisation (GB 32100)",
                 .pattern = R"([0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10})",
                 .validator = "cn_uscc",
                 .context = {"统一社会信用代码", "信用代码", "税号", "USCC", "credit code"},
                 .score = 0.97F,
                 .canonical = Canonical::kAlnum,
                 .example = "91350100M000100Y43"});
  out.push_back({.id = "CN_MOBILE",
                 .label = "PHONE",
                 .category = "contact",
                 .regions = "CN",
                 .description = "Mainland mobile number, optional +86, spaces or dashes",
                 .pattern = R"((?:(?:\+|00)86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2})",
                 .validator = "cn_mobile",
                 .context = kPhoneContext,
                 // Not a weak number: delivery slips (快递面单 收：王芳 138…) carry phones near
                 // 快递; a negative word vetoes it only right in front (订单 138…).
                 .score = 0.93F,
                 .boundary = Boundary::kAlnum,
                 .canonical = Canonical::kCnMobile,
                 .example = "+86 138 1234 5678"});
  out.push_back({.id = "CN_LANDLINE",
                 .label = "PHONE",
                 .category = "contact",
                 .regions = "CN",
                 .description = "Mainland landline with area code",
                 .pattern = R"(\(?0[1-9][0-9]{1,2}\)?[ -]?[2-9][0-9]{2,3}[ -]?[0-9]{4})",
                 .validator = "cn_landline",
                 .context = kPhoneContext,
                 .weak_number = true,
                 .score = 0.85F,
                 .boundary = Boundary::kAlnum,
                 .canonical = Canonical::kDigits,
                 .example = "010-62345678"});
  out.push_back({.id = "CN_BANK_CARD",
                 .label = "CARD",
                 .category = "financial",
                 .regions = "CN",
                 .description = "UnionPay / mainland bank card (62, 16-19 digits, Luhn)",
                 .pattern = R"(62[0-9]{2}(?:[ -]?[0-9]{4}){3}(?:[ -]?[0-9]{1,3})?)",
                 .validator = "card_unionpay",
                 .context = kCardContext,
                 .score = 0.95F,
                 .boundary = Boundary::kToken,
                 .canonical = Canonical::kDigits,
                 .example = "6222 0200 0000 0000 000"});
  out.push_back({.id = "CN_PASSPORT",
                 .label = "PASSPORT",
                 .category = "government_id",
                 .regions = "CN",
                 .description = "People's Republic of China passport number",
                 .pattern = R"((?:E[0-9A-HJ-NP-Z][0-9]{7}|G[0-9]{8}|[DSP]E?[0-9]{7}))",
                 .validator = "shape",
                 .context = kPassportContext,
                 .context_required = true,
                 .record = RecordField::kYes,  // passenger lists: 诸葛仁,E82565247,已出票
                 .score = 0.85F,
                 .canonical = Canonical::kAlnum,
                 .example = "E12345678"});
  out.push_back({.id = "HK_ID",
                 .label = "HK_ID",
                 .category = "government_id",
                 .regions = "HK",
                 .description = "Hong Kong identity card number with check digit",
                 .pattern = R"([A-Z]{1,2}[0-9]{6}(?:\([0-9A]\)|[0-9A]))",
                 .validator = "hk_id",
                 .context = {"香港", "身份证", "身份證", "HKID", "Hong Kong", "ID"},
                 .score = 0.9F,
                 .canonical = Canonical::kAlnum,
                 .example = "A123456(3)"});
  out.push_back({.id = "MO_ID",
                 .label = "MO_ID",
                 .category = "government_id",
                 .regions = "MO",
                 .description = "Macau resident identity card number",
                 .pattern = R"([1578][0-9]{6}\(?[0-9]\)?)",
                 .validator = "shape",
                 .context = {"澳门", "澳門", "Macau", "Macao", "MO ID", "BIR", "身份证", "身份證"},
                 .context_required = true,
                 .score = 0.8F,
                 .canonical = Canonical::kDigits,
                 .example = "1234567(8)"});
  out.push_back({.id = "TW_ID",
                 .label = "TW_ID",
                 .category = "government_id",
                 .regions = "TW",
                 .description = "Taiwan national identification number with checksum",
                 .pattern = R"([A-Z][1289][0-9]{8})",
                 .validator = "tw_id",
                 .context = {"台湾", "臺灣", "身分證", "身份证", "Taiwan", "ID"},
                 .score = 0.9F,
                 .canonical = Canonical::kAlnum,
                 .example = "A123456789"});
  out.push_back({.id = "CN_HMT_PERMIT",
                 .label = "PERMIT",
                 .category = "government_id",
                 .regions = "CN,HK,MO",
                 .description = "Mainland travel permit for Hong Kong and Macao residents",
                 .pattern = R"([HM][0-9]{8}(?:[0-9]{2})?)",
                 .validator = "shape",
                 .context = {"通行证", "通行證", "回乡证", "回鄉證", "permit", "港澳居民"},
                 .context_required = true,
                 .record = RecordField::kYes,  // 胡磊	H31790958	27/10/1994
                 .score = 0.85F,
                 .canonical = Canonical::kAlnum,
                 .example = "H12345678"});
  out.push_back({.id = "CN_TW_PERMIT",
                 .label = "PERMIT",
                 .category = "government_id",
                 .regions = "CN,TW",
                 .description = "Mainland travel permit for Taiwan residents (台胞证)",
                 .pattern = R"([0-9]{8}(?:[0-9]{2})?)",
                 .validator = "shape",
                 .context = {"台胞证", "台胞證", "台湾居民来往大陆通行证", "MTP"},
                 .context_required = true,
                 .score = 0.8F,
                 .boundary = Boundary::kAlnum,
                 .canonical = Canonical::kDigits,
                 .example = "12345678"});
  out.push_back({.id = "CN_EXIT_ENTRY_PERMIT",
                 .label = "PERMIT",
                 .category = "government_id",
                 .regions = "CN",
                 .description = "Exit-entry permit for travelling to Hong Kong and Macao",
                 .pattern = R"(C[0-9A-HJ-NP-Z][0-9]{7})",
                 .validator = "shape",
                 .context = {"通行证", "通行證", "港澳通行证", "permit", "往来港澳"},
                 .context_required = true,
                 .score = 0.85F,
                 .canonical = Canonical::kAlnum,
                 .example = "C12345678"});
  std::vector<std::string_view> provinces(kPlateProvinces.begin(), kPlateProvinces.end());
  out.push_back({.id = "CN_VEHICLE_PLATE",
                 .label = "PLATE",
                 .category = "vehicle",
                 .regions = "CN",
                 .description = "Mainland vehicle number plate (incl. new-energy plates)",
                 .pattern = alternation(provinces) +
                            R"([A-HJ-NP-Z](?:\xC2\xB7|\xE2\x80\xA2|\xE3\x83\xBB|[ ])?)"
                            R"([A-HJ-NP-Z0-9]{5,6})",
                 .validator = "cn_plate",
                 .context = {"车牌", "车辆", "牌照", "plate"},
                 .score = 0.85F,
                 .canonical = Canonical::kAlnum,
                 .example = "粤B12345"});
  out.push_back({.id = "CN_QQ",
                 .label = "QQ",
                 .category = "contact",
                 .regions = "CN",
                 .description = "QQ number (needs a QQ context word)",
                 .pattern = R"([1-9][0-9]{4,10})",
                 .validator = "shape",
                 .context = {"QQ", "qq号", "QQ号", "扣扣"},
                 .context_required = true,
                 .weak_number = true,
                 .score = 0.75F,
                 .boundary = Boundary::kAlnum,
                 .canonical = Canonical::kDigits,
                 .example = "10001"});
  out.push_back({.id = "CN_WECHAT_WXID",
                 .label = "WECHAT",
                 .category = "contact",
                 .regions = "CN",
                 .description = "WeChat internal id (wxid_...)",
                 .pattern = R"(wxid_[a-z0-9]{10,20})",
                 .score = 0.9F,
                 .boundary = Boundary::kToken,
                 .example = "wxid_abcdefghij12"});
  // --- Payment cards (ISO/IEC 7812) ---
  struct Card {
    const char* id;
    const char* description;
    const char* pattern;
    const char* validator;
    const char* example;
  };
  static constexpr std::array<Card, 9> kCards{{
      {"CARD_VISA", "Visa card number",
       R"(4[0-9]{3}(?:[ -]?[0-9]{4}){2}[ -]?[0-9]{1,4}(?:[0-9]{3})?)", "card_visa",
       "4111 1111 1111 1111"},
      {"CARD_MASTERCARD", "Mastercard number",
       R"((?:5[1-5][0-9]{2}|2[2-7][0-9]{2})(?:[ -]?[0-9]{4}){3})", "card_mastercard",
       "5555-5555-5555-4444"},
      {"CARD_AMEX", "American Express card number", R"(3[47][0-9]{2}[ -]?[0-9]{6}[ -]?[0-9]{5})",
       "card_amex", "3782 822463 10005"},
      {"CARD_DISCOVER", "Discover card number",
       R"(6(?:011|4[4-9][0-9]|5[0-9]{2}|22[0-9])(?:[ -]?[0-9]{4}){3}(?:[0-9]{1,3})?)",
       "card_discover", "6011111111111117"},
      {"CARD_JCB", "JCB card number",
       R"(35(?:2[89]|[3-8][0-9])(?:[ -]?[0-9]{4}){3}(?:[0-9]{1,3})?)", "card_jcb",
       "3530111333300000"},
      {"CARD_DINERS", "Diners Club card number",
       R"(3(?:0[0-5]|[689][0-9])[0-9][ -]?[0-9]{6}[ -]?[0-9]{4}(?:[0-9]{1,5})?)", "card_diners",
       "3056 930902 5904"},
      {"CARD_MAESTRO", "Maestro card number",
       R"((?:5018|5020|5038|5893|6304|6759|676[1-3])(?:[ -]?[0-9]{4}){2}(?:[ -]?[0-9]{1,7})?)",
       "card_maestro", "6759649826438453"},
      {"CARD_MIR", "Mir card number", R"(220[0-4](?:[ -]?[0-9]{4}){3}(?:[0-9]{1,3})?)", "card_mir",
       "2200000000000004"},
      {"CARD_RUPAY", "RuPay card number",
       R"((?:508[0-9]|60[0-9]{2}|8[12][0-9]{2})(?:[ -]?[0-9]{4}){3})", "card_rupay",
       "6070000000000002"},
  }};
  for (const Card& card : kCards) {
    out.push_back({.id = card.id,
                   .label = "CARD",
                   .category = "financial",
                   .regions = "global",
                   .description = card.description,
                   .pattern = card.pattern,
                   .validator = card.validator,
                   .context = kCardContext,
                   .score = 0.95F,
                   .boundary = Boundary::kToken,
                   .canonical = Canonical::kDigits,
                   .example = card.example});
  }
  // --- Contact and network ---
  out.push_back({.id = "EMAIL",
                 .label = "EMAIL",
                 .category = "contact",
                 .regions = "global",
                 .description = "E-mail address",
                 .pattern = R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)",
                 .validator = "email",
                 .score = 0.97F,
                 .canonical = Canonical::kLower,
                 .example = "zhang.san@example.com"});
  out.push_back({.id = "PHONE_INTL",
                 .label = "PHONE",
                 .category = "contact",
                 .regions = "global",
                 .description = "International phone number in +CC form (E.164, 8-15 digits)",
                 .pattern = R"(\+[1-9][0-9]{0,2}(?:[ .-]?\(?[0-9]{1,4}\)?){2,6})",
                 .validator = "phone_intl",
                 .context = kPhoneContext,
                 .score = 0.88F,
                 .boundary = Boundary::kAlnum,
                 .canonical = Canonical::kDigits,
                 .example = "+44 20 7946 0958"});
  out.push_back({.id = "PHONE_NANP",
                 .label = "PHONE",
                 .category = "contact",
                 .regions = "US,CA",
                 .description = "North American number written (NPA) NXX-XXXX",
                 .pattern = R"(\(?[2-9][0-9]{2}\)?[ .-][2-9][0-9]{2}[ .-][0-9]{4})",
                 .validator = "phone_nanp",
                 .context = kPhoneContext,
                 .weak_number = true,
                 .score = 0.8F,
                 .boundary = Boundary::kAlnum,
                 .canonical = Canonical::kDigits,
                 .example = "(415) 555-0132"});
  out.push_back({.id = "IPV4",
                 .label = "IP",
                 .category = "network",
                 .regions = "global",
                 .description = "IPv4 address",
                 .pattern = R"((?:[0-9]{1,3}\.){3}[0-9]{1,3})",
                 .validator = "ipv4",
                 .score = 0.85F,
                 .boundary = Boundary::kHostPort,
                 .example = "192.168.10.24"});
  out.push_back({.id = "IPV6",
                 .label = "IP",
                 .category = "network",
                 .regions = "global",
                 .description = "IPv6 address",
                 .pattern = R"((?:[0-9A-Fa-f]{1,4}:|:){1,8}(?::|[0-9A-Fa-f]{1,4}))",
                 .validator = "ipv6",
                 .score = 0.9F,
                 .boundary = Boundary::kDotted,
                 .canonical = Canonical::kLower,
                 .example = "2001:db8:85a3::8a2e:370:7334"});
  out.push_back(
      {.id = "MAC_ADDRESS",
       .label = "MAC",
       .category = "network",
       .regions = "global",
       .description = "MAC address (colon, dash or Cisco dotted form)",
       .pattern = R"((?:[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}|)"
                  R"([0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}))",
       .validator = "mac",
       .score = 0.9F,
       .boundary = Boundary::kDotted,
       .canonical = Canonical::kAlnum,
       .example = "00:1A:2B:3C:4D:5E"});
  out.push_back({.id = "URL_CREDENTIALS",
                 .label = "URL",
                 .category = "credential",
                 .regions = "global",
                 .description = "URL carrying a user name and password (scheme://user:pass@host)",
                 .pattern = R"([A-Za-z][A-Za-z0-9+.-]{1,20}://[A-Za-z0-9._~%!$&'()*+,;=-]+:)"
                            R"([A-Za-z0-9._~%!$&'()*+,;=-]+@[A-Za-z0-9.-]+)",
                 .validator = "url_credentials",
                 .score = 0.97F,
                 .boundary = Boundary::kNone,
                 .extent = Extent::kUrl,
                 .example = "postgres://admin:s3cret@db.example.com:5432/app"});
  out.push_back({.id = "URL_TOKEN",
                 .label = "URL",
                 .category = "credential",
                 .regions = "global",
                 .description = "URL carrying a token, key, signature or password parameter",
                 .pattern =
                     R"(https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?)"
                     R"((?:/[A-Za-z0-9._~%!$'()*+,;=:@/-]*)?\?)"
                     R"((?:[A-Za-z0-9._~%!$'()*+,;=:@/?-]*&)?)"
                     R"((?:access_token|token|api_key|apikey|api-key|key|auth|sig|signature|)"
                     R"(secret|password|passwd|pwd|session|sessionid|session_id|)"
                     R"(client_secret|private_token|jwt|code|ticket|x-amz-signature)=)"
                     R"([A-Za-z0-9._~%+/=-]{6,})",
                 .caseless = true,
                 .score = 0.92F,
                 .boundary = Boundary::kNone,
                 .extent = Extent::kUrl,
                 .example = "https://api.example.com/v1/data?user=7&access_token=abcdef123456"});
  out.push_back({.id = "JWT",
                 .label = "JWT",
                 .category = "credential",
                 .regions = "global",
                 .description = "JSON Web Token (header.payload.signature)",
                 .pattern = R"(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)",
                 .validator = "jwt",
                 .score = 0.97F,
                 .boundary = Boundary::kToken,
                 .example = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl"});
  struct Pem {
    const char* id;
    const char* description;
    const char* pattern;
    const char* example;
  };
  static constexpr std::array<Pem, 3> kPems{{
      {"PEM_PRIVATE_KEY", "PEM private key (PKCS#1/#8, EC, DSA, encrypted)",
       R"(-----BEGIN (?:RSA |EC |DSA |ENCRYPTED |ED25519 )?PRIVATE KEY-----)",
       "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIExample\n-----END PRIVATE KEY-----"},
      {"OPENSSH_PRIVATE_KEY", "OpenSSH private key", R"(-----BEGIN OPENSSH PRIVATE KEY-----)",
       "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE "
       "KEY-----"},
      {"PGP_PRIVATE_KEY", "OpenPGP private key block", R"(-----BEGIN PGP PRIVATE KEY BLOCK-----)",
       "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF0Example\n-----END PGP PRIVATE KEY "
       "BLOCK-----"},
  }};
  for (const Pem& pem : kPems) {
    out.push_back({.id = pem.id,
                   .label = "PRIVATE_KEY",
                   .category = "credential",
                   .regions = "global",
                   .description = pem.description,
                   .pattern = pem.pattern,
                   .score = 0.99F,
                   .boundary = Boundary::kNone,
                   .extent = Extent::kPemBlock,
                   .example = pem.example});
  }
  // --- Crypto-currency addresses ---
  struct Wallet {
    const char* id;
    const char* description;
    const char* pattern;
    const char* validator;
    bool caseless;
    const char* example;
  };
  static constexpr std::array<Wallet, 8> kWallets{{
      {"CRYPTO_BTC", "Bitcoin address (P2PKH/P2SH, Base58Check)",
       R"([13][1-9A-HJ-NP-Za-km-z]{25,34})", "crypto_btc_base58", false,
       "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"},
      {"CRYPTO_BTC_BECH32", "Bitcoin SegWit/Taproot address (Bech32/Bech32m)",
       R"(bc1[02-9ac-hj-np-z]{11,71})", "bech32", true,
       "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"},
      {"CRYPTO_ETH", "Ethereum address (EIP-55 checksum when mixed case)", R"(0x[0-9A-Fa-f]{40})",
       "crypto_eth", false, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"},
      {"CRYPTO_LTC", "Litecoin address (Base58Check)", R"([LM][1-9A-HJ-NP-Za-km-z]{26,33})",
       "crypto_ltc_base58", false, "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9"},
      {"CRYPTO_LTC_BECH32", "Litecoin SegWit address", R"(ltc1[02-9ac-hj-np-z]{11,71})", "bech32",
       true, "ltc1qg42tkwuuxefutzxezdkdel39gfstuap288mfea"},
      {"CRYPTO_DOGE", "Dogecoin address (Base58Check)", R"([D9A][1-9A-HJ-NP-Za-km-z]{25,33})",
       "crypto_doge", false, "DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L"},
      {"CRYPTO_TRON", "TRON address (Base58Check)", R"(T[1-9A-HJ-NP-Za-km-z]{33})", "crypto_tron",
       false, "TJCnKsPa7y5okkXvQAidZBzqx3QyQ6sxMW"},
      {"CRYPTO_XRP", "XRP Ledger classic address", R"(r[1-9A-HJ-NP-Za-km-z]{24,34})", "crypto_xrp",
       false, "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"},
  }};
  for (const Wallet& wallet : kWallets) {
    out.push_back({.id = wallet.id,
                   .label = "WALLET",
                   .category = "financial",
                   .regions = "global",
                   .description = wallet.description,
                   .pattern = wallet.pattern,
                   .caseless = wallet.caseless,
                   .validator = wallet.validator,
                   .score = 0.95F,
                   .boundary = Boundary::kToken,
                   .example = wallet.example});
  }
  // --- Dates of birth (only next to a birth word) ---
  out.push_back(
      {.id = "DATE_OF_BIRTH",
       .label = "DOB",
       .category = "demographic",
       .regions = "zh,en",
       .description = "Date of birth (a calendar date next to a birth word)",
       .pattern = R"((?:(?:19|20)[0-9]{2}(?:[-/.]|年)[ ]?(?:0?[1-9]|1[0-2])[ ]?(?:[-/.]|月)[ ]?)"
                  R"((?:0?[1-9]|[12][0-9]|3[01])(?:[ ]?日)?|)"
                  R"((?:0?[1-9]|[12][0-9]|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?:19|20)[0-9]{2}|)"
                  R"((?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12][0-9]|3[01])/(?:19|20)[0-9]{2}|)"
                  R"((?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.? )"
                  R"((?:0?[1-9]|[12][0-9]|3[01])(?:st|nd|rd|th)?,? (?:19|20)[0-9]{2}|)"
                  R"((?:0?[1-9]|[12][0-9]|3[01])(?:st|nd|rd|th)? (?:of )?)"
                  R"((?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?,? )"
                  R"((?:19|20)[0-9]{2}))",
       .caseless = true,
       .validator = "date_of_birth",
       .context = {"出生", "生日", "出生日期", "生于", "出生于", "诞辰", "born", "birth", "dob",
                   "d.o.b", "birthday", "date of birth", "birthdate", "bday"},
       .context_before = 80,
       .context_after = 0,
       .context_required = true,
       .context_adjacent = true,
       .context_follow = {"出生", "生", "生的", "的生日", "（生日", "(生日", "(birthday", "(dob"},
       .record = RecordField::kBirthDate,
       .score = 0.85F,
       .boundary = Boundary::kAlnum,
       .example = "1990-03-07"});
}

}  // namespace chitin::privacy
