#pragma once
// User-defined types from the command line or chitin.toml ([privacy] dictionaries/patterns):
// "TYPE=FILE" (a dictionary, one term a line) and "TYPE=REGEX" or "TYPE:VALIDATOR=REGEX".

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "privacy/detector.h"
#include "privacy/dictionary.h"

namespace chitin::privacy {

inline constexpr std::size_t kMaxDictionaryFileBytes = 256U << 20;

// Reads one dictionary: UTF-8, one term a line, blank lines and lines starting with '#'
// skipped, surrounding spaces trimmed. Errors name FILE:LINE.
Result<UserDictionary> load_dictionary(std::string_view spec);
Result<UserPattern> parse_pattern_spec(std::string_view spec);

// Options for Detector::create from both kinds of specs.
Result<DetectorOptions> user_type_options(const std::vector<std::string>& dictionaries,
                                          const std::vector<std::string>& patterns);

}  // namespace chitin::privacy
