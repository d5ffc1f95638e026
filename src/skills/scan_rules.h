#pragma once
// The scanner's content rules, in YARA's language (see scan_rules.cc).

#include <string_view>

namespace chitin::skills {

std::string_view yara_rule_source();

}  // namespace chitin::skills
