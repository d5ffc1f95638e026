#pragma once
// CHITIN_CHECK is always on and aborts: for broken invariants only, never for input from the
// network, disk, config, children or models (those are Results).

#include <string_view>

namespace chitin::internal {
[[noreturn]] void check_failed(const char* file, int line, const char* condition,
                               std::string_view message);
}  // namespace chitin::internal

#define CHITIN_CHECK(condition, message)                                         \
  do {                                                                           \
    if (!(condition)) [[unlikely]] {                                             \
      ::chitin::internal::check_failed(__FILE__, __LINE__, #condition, message); \
    }                                                                            \
  } while (false)
