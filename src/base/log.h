#pragma once
// The one diagnostic log macro family (STYLE.md "Logging and audit"). The level is checked
// before any formatting; formats are checked at compile time by fmt. Untrusted strings go
// through log::escaped(). Secrets and message bodies are never logged. Security decisions go
// to the audit log, not here. Thread-safe: each line is written with one write(2).

#include <fmt/core.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chitin::log {

enum class Level : std::uint8_t { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

std::string_view to_string(Level level);
std::optional<Level> parse_level(std::string_view name);

void set_level(Level level);
Level level();
inline bool enabled(Level level);

// Where lines go; stderr (fd 2) by default. Tests redirect it to a pipe or file.
void set_output_fd(int fd);

void write(Level level, const char* file, int line, std::string_view message);

// Replaces control bytes, backslashes, quotes and invalid UTF-8 with \xNN escapes, and cuts
// the result at `max_bytes` (marking the cut), so a hostile string cannot forge log lines.
std::string escaped(std::string_view untrusted, std::size_t max_bytes = 256);

namespace internal {
extern std::atomic<std::uint8_t> g_level;
}  // namespace internal

inline bool enabled(Level level) {
  return static_cast<std::uint8_t>(level) >= internal::g_level.load(std::memory_order_relaxed);
}

}  // namespace chitin::log

#define CHITIN_LOG(level, ...)                                              \
  do {                                                                      \
    if (::chitin::log::enabled(::chitin::log::Level::level)) {              \
      ::chitin::log::write(::chitin::log::Level::level, __FILE__, __LINE__, \
                           ::fmt::format(__VA_ARGS__));                     \
    }                                                                       \
  } while (false)
