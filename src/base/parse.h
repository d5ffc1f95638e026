#pragma once
// Integer parsing for untrusted text: std::from_chars, whole string consumed, range checked.
// The only sanctioned way to turn text into a number (atoi/strtol are banned).

#include <charconv>
#include <cstdint>
#include <limits>
#include <string_view>
#include <type_traits>

#include "base/result.h"

namespace chitin {

template <class T>
requires std::is_integral_v<T> Result<T> parse_integer(std::string_view text,
                                                       T min = std::numeric_limits<T>::min(),
                                                       T max = std::numeric_limits<T>::max()) {
  T value{};
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, 10);
  if (text.empty() || ec == std::errc::invalid_argument || ptr != end) {
    return fail(ErrorCode::kInvalidInput, "'{}' is not a decimal integer", text);
  }
  if (ec == std::errc::result_out_of_range || value < min || value > max) {
    return fail(ErrorCode::kInvalidInput, "{} is out of range {}..{}", text, min, max);
  }
  return value;
}

}  // namespace chitin
