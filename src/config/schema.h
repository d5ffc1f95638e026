#pragma once
// The schema of chitin.toml: every key with its type, range, documentation and the field of
// Config it fills. parse_config, render_config and docs/config.md all follow this table, so a
// key exists in exactly one place. Internal to the config module.

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "config/config.h"

namespace chitin::config {

using BoolRef = bool& (*)(Config&);
using IntegerRef = std::int64_t& (*)(Config&);
using StringRef = std::string& (*)(Config&);
using StringListRef = std::vector<std::string>& (*)(Config&);

// Checks one string value (or one list item); the message says what is wrong and how to fix.
using StringCheck = Result<void> (*)(std::string_view value);

struct KeySpec {
  std::string_view key = {};  // "section.name"
  std::string_view doc = {};
  std::variant<BoolRef, IntegerRef, StringRef, StringListRef> field;
  std::int64_t min = 0;           // integers only
  std::int64_t max = 0;           // integers only
  std::string_view choices = {};  // strings: "a|b|c" when only these values are allowed
  StringCheck check = nullptr;    // strings and list items
  std::size_t max_length = 4096;  // strings and list items, in bytes
  std::size_t max_items = 256;    // lists

  [[nodiscard]] std::string_view section() const { return key.substr(0, key.find('.')); }
  [[nodiscard]] std::string_view name() const { return key.substr(key.find('.') + 1); }
  [[nodiscard]] bool dangerous() const { return name().starts_with("dangerously_"); }
};

struct SectionSpec {
  std::string_view name;
  std::string_view doc = {};
};

std::span<const KeySpec> key_specs();
std::span<const SectionSpec> section_specs();
const KeySpec* find_key(std::string_view key);

// "integer 1..65535", "boolean", "one of debug|info|warn|error", ...
std::string describe_type(const KeySpec& spec);

// Validators shared with other modules through config (e.g. egress host patterns).
Result<void> check_ip_literal(std::string_view value);
Result<void> check_host_pattern(std::string_view value);
Result<void> check_type_spec(std::string_view value);
Result<void> check_check_id(std::string_view value);
Result<void> check_absolute_path_or_empty(std::string_view value);
// "http://host[:port]" or "https://host[:port]": a browser Origin, nothing after the authority.
Result<void> check_origin(std::string_view value);
bool is_loopback_literal(std::string_view ip);
Result<void> check_model_name(std::string_view value);
Result<void> check_tool_name(std::string_view value);
Result<void> check_program_name(std::string_view value);

}  // namespace chitin::config
