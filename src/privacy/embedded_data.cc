// The files are pulled in with the assembler's .incbin (paths from CMake), which costs nothing
// at build time however large the lexicons grow, unlike generating a C++ array.
#include "privacy/embedded_data.h"

#include <array>
#include <cstddef>

#define CHITIN_EMBED(symbol, path)        \
  __asm__(                                \
      ".section .rodata\n"                \
      ".global " #symbol                  \
      "\n"                                \
      ".type " #symbol                    \
      ", @object\n"                       \
      ".balign 16\n" #symbol              \
      ":\n"                               \
      ".incbin \"" path                   \
      "\"\n"                              \
      ".global " #symbol "_end\n" #symbol \
      "_end:\n"                           \
      ".byte 0\n"                         \
      ".previous\n");                     \
  extern "C" const char symbol[];         \
  extern "C" const char symbol##_end[];

CHITIN_EMBED(chitin_iban_tsv, CHITIN_PRIVACY_DATA "/iban.tsv")
CHITIN_EMBED(chitin_secrets_tsv, CHITIN_PRIVACY_DATA "/secrets.tsv")
CHITIN_EMBED(chitin_zh_surnames, CHITIN_PRIVACY_DATA "/lexicon/zh_surnames.txt")
CHITIN_EMBED(chitin_zh_given_names, CHITIN_PRIVACY_DATA "/lexicon/zh_given_names.txt")
CHITIN_EMBED(chitin_zh_given_chars, CHITIN_PRIVACY_DATA "/lexicon/zh_given_chars.txt")
CHITIN_EMBED(chitin_en_given_names, CHITIN_PRIVACY_DATA "/lexicon/en_given_names.txt")
CHITIN_EMBED(chitin_en_family_names, CHITIN_PRIVACY_DATA "/lexicon/en_family_names.txt")
CHITIN_EMBED(chitin_zh_provinces, CHITIN_PRIVACY_DATA "/lexicon/zh_provinces.txt")
CHITIN_EMBED(chitin_zh_cities, CHITIN_PRIVACY_DATA "/lexicon/zh_cities.txt")
CHITIN_EMBED(chitin_zh_districts, CHITIN_PRIVACY_DATA "/lexicon/zh_districts.txt")
CHITIN_EMBED(chitin_zh_name_char_scores, CHITIN_PRIVACY_DATA "/lexicon/zh_name_char_scores.txt")
CHITIN_EMBED(chitin_zh_common_words, CHITIN_PRIVACY_DATA "/lexicon/zh_common_words.txt")

namespace chitin::privacy {

namespace {

std::string_view view(const char* begin, const char* end) {
  return {begin, static_cast<std::size_t>(end - begin)};
}

struct Lexicon {
  std::string_view name;
  const char* begin;
  const char* end;
};

}  // namespace

std::string_view embedded_iban_tsv() { return view(chitin_iban_tsv, chitin_iban_tsv_end); }
std::string_view embedded_secrets_tsv() { return view(chitin_secrets_tsv, chitin_secrets_tsv_end); }

std::string_view embedded_lexicon(std::string_view name) {
  static const std::array<Lexicon, 10> kLexicons{{
      {"zh_surnames", chitin_zh_surnames, chitin_zh_surnames_end},
      {"zh_given_names", chitin_zh_given_names, chitin_zh_given_names_end},
      {"zh_given_chars", chitin_zh_given_chars, chitin_zh_given_chars_end},
      {"en_given_names", chitin_en_given_names, chitin_en_given_names_end},
      {"en_family_names", chitin_en_family_names, chitin_en_family_names_end},
      {"zh_provinces", chitin_zh_provinces, chitin_zh_provinces_end},
      {"zh_cities", chitin_zh_cities, chitin_zh_cities_end},
      {"zh_districts", chitin_zh_districts, chitin_zh_districts_end},
      {"zh_name_char_scores", chitin_zh_name_char_scores, chitin_zh_name_char_scores_end},
      {"zh_common_words", chitin_zh_common_words, chitin_zh_common_words_end},
  }};
  for (const Lexicon& lexicon : kLexicons) {
    if (lexicon.name == name) {
      return view(lexicon.begin, lexicon.end);
    }
  }
  return {};
}

}  // namespace chitin::privacy
