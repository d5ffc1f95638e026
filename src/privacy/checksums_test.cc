// Check-digit algorithms and validators against published examples (the standards' own
// samples where they have one), and against single-digit changes.
#include "privacy/checksums.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "privacy/keccak.h"
#include "privacy/validators.h"

namespace chitin::privacy {
namespace {

bool valid(std::string_view validator, std::string_view value) {
  const NamedValidator* found = find_validator(validator);
  EXPECT_NE(found, nullptr) << validator;
  return found != nullptr && found->check(value);
}

TEST(ChecksumTest, LuhnMatchesIso7812Examples) {
  EXPECT_TRUE(luhn_valid("79927398713"));
  EXPECT_FALSE(luhn_valid("79927398710"));
  EXPECT_EQ(luhn_check_digit("7992739871"), '3');
  EXPECT_FALSE(luhn_valid("7992739871a"));
}

TEST(ChecksumTest, IbanMod97MatchesRegistryExample) {
  EXPECT_TRUE(iban_checksum_valid("GB82WEST12345698765432"));
  EXPECT_FALSE(iban_checksum_valid("GB82WEST12345698765433"));
  EXPECT_EQ(iban_check_digits("GB", "WEST12345698765432"), "82");
  EXPECT_TRUE(valid("iban", "GB82 WEST 1234 5698 7654 32"));
  EXPECT_FALSE(valid("iban", "GB82WEST1234569876543"));   // wrong length for GB
  EXPECT_FALSE(valid("iban", "XX82WEST12345698765432"));  // no such country
}

TEST(ChecksumTest, Gb11643MatchesTheStandardsSample) {
  EXPECT_EQ(gb11643_check_char("11010519491231002"), 'X');
  EXPECT_TRUE(valid("cn_resident_id", "11010519491231002X"));
  EXPECT_TRUE(valid("cn_resident_id", "11010519491231002x"));
  EXPECT_FALSE(valid("cn_resident_id", "110105194912310021"));  // check digit
  EXPECT_FALSE(valid("cn_resident_id", "99010519491231002X"));  // no province 99
  EXPECT_FALSE(valid("cn_resident_id", "110105194902300025"));  // 30 February
}

TEST(ChecksumTest, Gb32100CheckCharacterDetectsEverySingleChange) {
  const std::string body = "91350100M000100Y4";
  const auto check = gb32100_check_char(body);
  ASSERT_TRUE(check);
  const std::string code = body + *check;
  EXPECT_TRUE(valid("cn_uscc", code));
  for (std::size_t i = 0; i < 17; ++i) {
    std::string changed = code;
    changed[i] = changed[i] == '1' ? '2' : '1';
    EXPECT_FALSE(valid("cn_uscc", changed)) << changed;
  }
  EXPECT_FALSE(gb32100_check_char("91350100M000100YI"));  // I is not in the alphabet
}

TEST(ChecksumTest, VerhoeffAndIso7064) {
  EXPECT_TRUE(verhoeff_valid("2363"));
  EXPECT_EQ(verhoeff_check_digit("236"), '3');
  EXPECT_FALSE(verhoeff_valid("2364"));
  EXPECT_EQ(iso7064_mod11_10_check("3339200596"), '1');
  EXPECT_TRUE(valid("hr_oib", "33392005961"));
  EXPECT_FALSE(valid("hr_oib", "33392005962"));
}

TEST(ChecksumTest, KeccakAndEip55MatchTheirSpecifications) {
  EXPECT_EQ(hex_encode(keccak256("")),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  EXPECT_TRUE(valid("crypto_eth", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));   // EIP-55
  EXPECT_FALSE(valid("crypto_eth", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"));  // one case
  EXPECT_TRUE(valid("crypto_eth", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"));   // no checksum
}

TEST(ChecksumTest, BitcoinAddressesCheck) {
  EXPECT_TRUE(valid("crypto_btc_base58", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"));
  EXPECT_FALSE(valid("crypto_btc_base58", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3"));
  EXPECT_TRUE(valid("bech32", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"));  // BIP-173
  EXPECT_FALSE(valid("bech32", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"));
  EXPECT_FALSE(valid("bech32", "bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"));  // mixed case
}

// Published sample numbers of national identifiers (their issuers' or python-stdnum's docs).
TEST(ChecksumTest, NationalIdentifiersAcceptSamplesAndRejectChanges) {
  const std::vector<std::pair<std::string_view, std::string_view>> samples{
      {"hk_id", "A123456(3)"},
      {"tw_id", "A123456789"},
      {"sg_nric", "S1234567D"},
      {"es_dni", "12345678Z"},
      {"it_codice_fiscale", "RSSMRA85T10A562S"},
      {"nl_bsn", "111222333"},
      {"pl_pesel", "44051401359"},
      {"br_cpf", "529.982.247-25"},
      {"us_aba", "111000025"},
      {"uk_nhs", "943 476 5919"},
      {"fi_hetu", "131052-308T"},
      {"card_visa", "4111 1111 1111 1111"},
      {"card_amex", "378282246310005"},
  };
  for (const auto& [validator, sample] : samples) {
    EXPECT_TRUE(valid(validator, sample)) << validator << " " << sample;
    std::string changed(sample);
    const std::size_t last_digit = changed.find_last_of("0123456789");
    changed[last_digit] =
        changed[last_digit] == '9' ? '0' : static_cast<char>(changed[last_digit] + 1);
    EXPECT_FALSE(valid(validator, changed)) << validator << " " << changed;
  }
  EXPECT_TRUE(valid("uk_nino", "AB123456C"));
  EXPECT_FALSE(valid("uk_nino", "QQ123456C"));  // QQ is never issued
  EXPECT_TRUE(valid("us_ssn", "536-22-1234"));
  EXPECT_FALSE(valid("us_ssn", "666-12-3456"));  // area 666 is never issued
}

TEST(ChecksumTest, DatesOfBirthMustBeRealAndPast) {
  EXPECT_TRUE(valid("date_of_birth", "1990-03-07"));
  EXPECT_TRUE(valid("date_of_birth", "1990年3月7日"));
  EXPECT_TRUE(valid("date_of_birth", "March 7, 1990"));
  EXPECT_FALSE(valid("date_of_birth", "1990-02-30"));
  EXPECT_FALSE(valid("date_of_birth", "2199-01-01"));
}

}  // namespace
}  // namespace chitin::privacy
