#pragma once
// Chitin's version, as the user agent of every request Chitin makes says it ("Chitin/0.1.0").

#include <string_view>

namespace chitin {
// Kept in step with project(VERSION) in the top-level CMakeLists.txt.
inline constexpr std::string_view kVersion = CHITIN_VERSION;
}  // namespace chitin
