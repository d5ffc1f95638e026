#pragma once
// JSON5 (https://spec.json5.org), the syntax of OpenClaw's openclaw.json, read into
// nlohmann::json so that the doctor and the importer can work on OpenClaw installations:
// comments, trailing commas, unquoted (identifier) keys, single-quoted strings, line
// continuations, hexadecimal numbers, leading or trailing decimal points, an explicit '+',
// Infinity and NaN (kept as strings "Infinity", "-Infinity", "NaN": JSON has no such numbers).
// Bounded: input size, nesting depth and string length; errors give LINE:COL and what was
// expected.

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace chitin::config {

inline constexpr std::size_t kMaxJson5Bytes = 8U << 20;
inline constexpr std::size_t kMaxJson5Depth = 64;

// `source` names the input in errors ("openclaw.json:3:7: ...").
Result<nlohmann::json> parse_json5(std::string_view text, std::string_view source);

}  // namespace chitin::config
