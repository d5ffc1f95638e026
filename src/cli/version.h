#pragma once

#include <string_view>

namespace chitin::cli {
// Kept in step with project(VERSION) in the top-level CMakeLists.txt.
inline constexpr std::string_view kVersion = CHITIN_VERSION;
}  // namespace chitin::cli
