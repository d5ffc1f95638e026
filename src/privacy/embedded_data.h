#pragma once
// Data files compiled into the binary (data/privacy/, see embedded_data.cc): the IBAN
// registry, the provider secret formats and the lexicons. Views are valid for the program's
// lifetime.

#include <string_view>

namespace chitin::privacy {

std::string_view embedded_iban_tsv();
std::string_view embedded_secrets_tsv();
std::string_view embedded_lexicon(std::string_view name);  // "zh_surnames", ...; empty if none

}  // namespace chitin::privacy
