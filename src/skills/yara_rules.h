#pragma once
// A thin owner of compiled libyara rules. libyara is initialised once per process.
// Scanning is thread-safe (yr_rules_scan_mem keeps its state per call).

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

struct YR_RULES;

namespace chitin::skills {

struct YaraMatch {
  std::string id;          // meta id
  std::string severity;    // meta severity
  std::string message;     // meta message
  std::size_t offset = 0;  // first match of the rule's first matching string
  std::size_t length = 0;
};

class YaraRules {
 public:
  static Result<std::unique_ptr<YaraRules>> compile(std::string_view source);
  ~YaraRules();
  YaraRules(const YaraRules&) = delete;
  YaraRules& operator=(const YaraRules&) = delete;

  Result<std::vector<YaraMatch>> scan(std::string_view data) const;

 private:
  struct PrivateTag {};

 public:
  // Use compile(); the tag keeps the constructor out of reach of everyone else.
  YaraRules(PrivateTag /*tag*/, YR_RULES* rules) : rules_(rules) {}

 private:
  YR_RULES* rules_;
};

}  // namespace chitin::skills
