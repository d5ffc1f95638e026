#pragma once
// Generators of labelled values for the privacy evaluation corpus: one function per template
// slot, deterministic for a given random engine. Positive slots yield valid identifiers (their
// check digits computed with the standard algorithms); negative slots yield look-alikes that
// are not personal data (order numbers, timestamps, hashes, IDs with a wrong check digit).

#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace chitin::privacy::eval {

struct NameLists {
  std::vector<std::string> zh;
  std::vector<std::string> en;
};

// The value for `slot`, or empty for an unknown slot.
std::string generate_value(std::string_view slot, std::mt19937_64& rng, const NameLists& names);

// True for slots whose values are personal data or secrets (labelled); false for negatives.
bool is_positive_slot(std::string_view slot);

}  // namespace chitin::privacy::eval
