// Built-in types: national identifiers outside China with public check algorithms. Numbers
// that are only digits need a context word unless their checksum is strong and their shape
// distinctive (separators in fixed places).
#include <array>

#include "privacy/catalog.h"

// The type tables use designated initialisers and rely on EntityType's default member
// initialisers for the fields a type leaves out; GCC 12 still warns about those (fixed in
// GCC 13, PR 96868), so the warning is off in the files that build types.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace chitin::privacy {

namespace {

struct National {
  const char* id;
  const char* label;
  const char* regions;
  const char* description;
  const char* pattern;
  const char* validator;
  const char* context;  // '|'-separated
  bool context_required;
  float score;
  Boundary boundary;
  const char* example;
};

std::vector<std::string> split_words(std::string_view words) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= words.size()) {
    const std::size_t end = std::min(words.find('|', start), words.size());
    if (end > start) {
      out.emplace_back(words.substr(start, end - start));
    }
    start = end + 1;
  }
  return out;
}

constexpr Boundary kD = Boundary::kAlnum;  // digits glued to letters are part of a token
constexpr Boundary kA = Boundary::kAlnum;

constexpr std::array<National, 50> kNationals{{
    {"US_SSN", "US_SSN", "US", "US Social Security number (with separators)",
     R"([0-9]{3}[- ][0-9]{2}[- ][0-9]{4})", "us_ssn", "ssn|social security|soc sec|社会安全", false,
     0.85F, kD, "536-22-1234"},
    {"US_ITIN", "US_ITIN", "US", "US Individual Taxpayer Identification Number",
     R"(9[0-9]{2}[- ]?(?:5[0-9]|6[0-5]|7[0-9]|8[0-8]|9[0-24-9])[- ]?[0-9]{4})", "us_itin",
     "itin|taxpayer|tax id|纳税", false, 0.88F, kD, "912-70-1234"},
    {"US_PASSPORT", "PASSPORT", "US", "US passport number", R"([A-Z]?[0-9]{8,9})", "context",
     "passport|护照", true, 0.8F, kA, "A12345678"},
    {"US_EIN", "US_EIN", "US", "US Employer Identification Number", R"([0-9]{2}-[0-9]{7})",
     "us_ein", "ein|employer identification|fein|tax id", true, 0.8F, kD, "12-3456789"},
    {"US_ABA_ROUTING", "BANK_ROUTING", "US", "ABA bank routing number", R"([0-9]{9})", "us_aba",
     "routing|aba|rtn|transit", true, 0.85F, kD, "111000025"},
    {"US_NPI", "US_NPI", "US", "US National Provider Identifier", R"([12][0-9]{9})", "us_npi",
     "npi|provider", true, 0.85F, kD, "1234567893"},
    {"UK_NINO", "UK_NINO", "GB", "UK National Insurance number",
     R"([A-CEGHJ-PR-TW-Z]{2}[ ]?[0-9]{2}[ ]?[0-9]{2}[ ]?[0-9]{2}[ ]?[A-D])", "uk_nino",
     "national insurance|nino|ni number", false, 0.9F, kA, "AB 12 34 56 C"},
    {"UK_NHS", "UK_NHS", "GB", "NHS number", R"([0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4})", "uk_nhs",
     "nhs|health", true, 0.85F, kD, "943 476 5919"},
    {"UK_PASSPORT", "PASSPORT", "GB", "UK passport number", R"([0-9]{9})", "context",
     "passport|护照", true, 0.8F, kD, "123456789"},
    {"DE_TAX_ID", "DE_TAX_ID", "DE", "German tax identification number (Steuer-IdNr)",
     R"([1-9][0-9](?: ?[0-9]{3}){3})", "de_tax_id", "steuer|idnr|tax id|identifikationsnummer",
     true, 0.85F, kD, "36574261809"},
    {"FR_NIR", "FR_NIR", "FR", "French social security number (NIR)",
     R"([1-478] ?[0-9]{2} ?(?:0[1-9]|1[0-2]|[2-9][0-9]) ?(?:[0-9]{2}|2[AB]) ?[0-9]{3} ?[0-9]{3} ?[0-9]{2})",
     "fr_nir", "sécurité sociale|securite sociale|nir|insee|social security|sécu", true, 0.9F, kA,
     "2 55 08 14 168 025 38"},
    {"ES_DNI", "ES_DNI", "ES", "Spanish DNI", R"([0-9]{8}-?[A-Z])", "es_dni", "dni|nif|documento",
     false, 0.9F, kA, "54362315K"},
    {"ES_NIE", "ES_NIE", "ES", "Spanish foreigner identity number (NIE)",
     R"([XYZ]-?[0-9]{7}-?[A-Z])", "es_nie", "nie|extranjero", false, 0.9F, kA, "X2482300W"},
    {"IT_CODICE_FISCALE", "IT_CF", "IT", "Italian fiscal code",
     R"([A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z])",
     "it_codice_fiscale", "codice fiscale|fiscal code|cf", false, 0.95F, kA, "RCCMNL83S18D969H"},
    {"NL_BSN", "NL_BSN", "NL", "Dutch citizen service number (BSN)", R"([0-9]{9})", "nl_bsn",
     "bsn|burgerservicenummer|sofinummer", true, 0.85F, kD, "111222333"},
    {"BE_NRN", "BE_NRN", "BE", "Belgian national register number",
     R"([0-9]{2}\.?[0-9]{2}\.?[0-9]{2}-?[0-9]{3}\.?[0-9]{2})", "be_nrn",
     "rijksregister|registre national|national register|nrn", true, 0.85F, kD, "85.07.30-033.28"},
    {"PL_PESEL", "PL_PESEL", "PL", "Polish PESEL", R"([0-9]{11})", "pl_pesel", "pesel", true, 0.85F,
     kD, "44051401359"},
    {"SE_PERSONNUMMER", "SE_PIN", "SE", "Swedish personal identity number",
     R"((?:19|20)?[0-9]{6}[-+]?[0-9]{4})", "se_personnummer", "personnummer|personal number", true,
     0.85F, kD, "880320-0016"},
    {"NO_FODSELSNUMMER", "NO_FNR", "NO", "Norwegian national identity number",
     R"([0-9]{6} ?[0-9]{5})", "no_fodselsnummer", "fødselsnummer|fodselsnummer|personnummer", true,
     0.85F, kD, "02039045616"},
    {"DK_CPR", "DK_CPR", "DK", "Danish CPR number", R"([0-9]{6}-?[0-9]{4})", "dk_cpr",
     "cpr|personnummer", true, 0.8F, kD, "211062-5629"},
    {"FI_HETU", "FI_HETU", "FI", "Finnish personal identity code",
     R"([0-9]{6}[-+ABCDEFYXWVU][0-9]{3}[0-9A-Y])", "fi_hetu", "", false, 0.95F, kA, "131052-308T"},
    {"PT_NIF", "PT_NIF", "PT", "Portuguese tax number (NIF)", R"([1235689][0-9]{8})", "pt_nif",
     "nif|contribuinte", true, 0.85F, kD, "221325565"},
    {"BR_CPF", "BR_CPF", "BR", "Brazilian CPF", R"([0-9]{3}\.?[0-9]{3}\.?[0-9]{3}-?[0-9]{2})",
     "br_cpf", "cpf", true, 0.85F, kD, "390.533.447-05"},
    {"BR_CNPJ", "BR_CNPJ", "BR", "Brazilian CNPJ",
     R"([0-9]{2}\.?[0-9]{3}\.?[0-9]{3}/?[0-9]{4}-?[0-9]{2})", "br_cnpj", "cnpj", true, 0.9F, kD,
     "11.222.333/0001-81"},
    {"IN_AADHAAR", "IN_AADHAAR", "IN", "Indian Aadhaar number",
     R"([2-9][0-9]{3} ?[0-9]{4} ?[0-9]{4})", "in_aadhaar", "aadhaar|aadhar|uidai|uid", true, 0.85F,
     kD, "2341 2341 2346"},
    {"IN_PAN", "IN_PAN", "IN", "Indian Permanent Account Number",
     R"([A-Z]{3}[ABCFGHJLPT][A-Z][0-9]{4}[A-Z])", "in_pan", "pan|income tax", false, 0.85F, kA,
     "ABCPE1234F"},
    {"JP_MY_NUMBER", "JP_MY_NUMBER", "JP", "Japanese individual number (My Number)",
     R"([0-9]{4} ?[0-9]{4} ?[0-9]{4})", "jp_my_number", "my number|マイナンバー|個人番号", true,
     0.85F, kD, "123456789018"},
    {"KR_RRN", "KR_RRN", "KR", "Korean resident registration number", R"([0-9]{6}-?[1-8][0-9]{6})",
     "kr_rrn", "주민등록|rrn|resident registration|korea|韩国", true, 0.9F, kD, "800101-1234560"},
    {"SG_NRIC", "SG_NRIC", "SG", "Singapore NRIC/FIN", R"([STFG][0-9]{7}[A-Z])", "sg_nric", "",
     false, 0.9F, kA, "S1234567D"},
    {"AU_TFN", "AU_TFN", "AU", "Australian tax file number", R"([0-9]{3} ?[0-9]{3} ?[0-9]{3})",
     "au_tfn", "tfn|tax file", true, 0.85F, kD, "123 456 782"},
    {"AU_ABN", "AU_ABN", "AU", "Australian business number",
     R"([0-9]{2} ?[0-9]{3} ?[0-9]{3} ?[0-9]{3})", "au_abn", "abn|business number", true, 0.85F, kD,
     "51 824 753 556"},
    {"AU_MEDICARE", "AU_MEDICARE", "AU", "Australian Medicare number",
     R"([2-6][0-9]{3} ?[0-9]{5} ?[0-9](?:-?[0-9])?)", "au_medicare", "medicare", true, 0.85F, kD,
     "2123 45670 1"},
    {"CA_SIN", "CA_SIN", "CA", "Canadian social insurance number",
     R"([1-79][0-9]{2}[ -]?[0-9]{3}[ -]?[0-9]{3})", "ca_sin", "sin|social insurance|nas", true,
     0.85F, kD, "130 454 283"},
    {"MX_CURP", "MX_CURP", "MX", "Mexican CURP",
     R"([A-Z][AEIOUX][A-Z]{2}[0-9]{6}[HMX][A-Z]{5}[0-9A-Z][0-9])", "mx_curp", "", false, 0.95F, kA,
     "BOXW310820HNERXN09"},
    {"CL_RUT", "CL_RUT", "CL", "Chilean RUT/RUN", R"([0-9]{1,2}\.?[0-9]{3}\.?[0-9]{3}-[0-9Kk])",
     "cl_rut", "rut|run", false, 0.85F, kA, "12.345.678-5"},
    {"AR_CUIT", "AR_CUIT", "AR", "Argentine CUIT/CUIL",
     R"((?:20|23|24|27|30|33|34)-?[0-9]{8}-?[0-9])", "ar_cuit", "cuit|cuil", false, 0.85F, kD,
     "20-26756539-3"},
    {"ZA_ID", "ZA_ID", "ZA", "South African identity number", R"([0-9]{13})", "za_id",
     "identity|id number|rsa id|south africa", true, 0.85F, kD, "7503305044089"},
    {"TR_TCKN", "TR_TCKN", "TR", "Turkish identity number (T.C. Kimlik No)", R"([1-9][0-9]{10})",
     "tr_tckn", "kimlik|tc no|tckn|t.c.", true, 0.85F, kD, "23456789060"},
    {"IL_ID", "IL_ID", "IL", "Israeli identity number (Teudat Zehut)", R"([0-9]{9})", "il_id",
     "teudat|zehut|israeli id|ת.ז", true, 0.8F, kD, "039337423"},
    {"RO_CNP", "RO_CNP", "RO", "Romanian personal numeric code (CNP)", R"([1-9][0-9]{12})",
     "ro_cnp", "cnp|cod numeric", true, 0.85F, kD, "1800101221144"},
    {"CZ_RODNE_CISLO", "CZ_RC", "CZ,SK", "Czech/Slovak birth number", R"([0-9]{6}/?[0-9]{4})",
     "cz_rodne_cislo", "rodné číslo|rodne cislo|birth number|rč", true, 0.85F, kD, "710319/2745"},
    {"EE_ISIKUKOOD", "EE_IK", "EE", "Estonian personal identification code", R"([1-6][0-9]{10})",
     "baltic_personal_code", "isikukood|personal code", true, 0.85F, kD, "37605030299"},
    {"LT_ASMENS_KODAS", "LT_AK", "LT", "Lithuanian personal code", R"([1-6][0-9]{10})",
     "baltic_personal_code", "asmens kodas|personal code", true, 0.85F, kD, "33309240064"},
    {"HR_OIB", "HR_OIB", "HR", "Croatian personal identification number (OIB)", R"([0-9]{11})",
     "hr_oib", "oib", true, 0.85F, kD, "33392005961"},
    {"IE_PPS", "IE_PPS", "IE", "Irish PPS number", R"([0-9]{7}[A-W][A-IW]?)", "ie_pps",
     "pps|ppsn|personal public service", false, 0.85F, kA, "6433435F"},
    {"CH_AHV", "CH_AHV", "CH", "Swiss social security number (AHV/AVS)",
     R"(756\.?[0-9]{4}\.?[0-9]{4}\.?[0-9]{2})", "ch_ahv", "ahv|avs|sozialversicherung", false,
     0.95F, kD, "756.9217.0769.85"},
    {"GR_AMKA", "GR_AMKA", "GR", "Greek social security number (AMKA)", R"([0-9]{11})", "gr_amka",
     "amka|αμκα", true, 0.85F, kD, "01013099997"},
    {"BG_EGN", "BG_EGN", "BG", "Bulgarian personal number (EGN)", R"([0-9]{10})", "bg_egn",
     "egn|егн", true, 0.85F, kD, "7523169263"},
    {"IS_KENNITALA", "IS_KT", "IS", "Icelandic identity number (kennitala)",
     R"([0-9]{6}-?[0-9]{4})", "is_kennitala", "kennitala|kt.", true, 0.85F, kD, "120174-3399"},
    {"AT_SVNR", "AT_SVNR", "AT", "Austrian social insurance number", R"([1-9][0-9]{3} ?[0-9]{6})",
     "at_svnr", "sozialversicherungsnummer|svnr|sv-nummer|social insurance", true, 0.85F, kD,
     "1237 010180"},
}};

}  // namespace

void add_national_id_types(std::vector<EntityType>& out) {
  for (const National& n : kNationals) {
    out.push_back({.id = n.id,
                   .label = n.label,
                   .category = "government_id",
                   .regions = n.regions,
                   .description = n.description,
                   .pattern = n.pattern,
                   .validator = n.validator,
                   .context = split_words(n.context),
                   .context_required = n.context_required,
                   .weak_number = n.context_required,
                   .score = n.score,
                   .boundary = n.boundary,
                   .canonical = Canonical::kAlnum,
                   .example = n.example});
  }
}

}  // namespace chitin::privacy
