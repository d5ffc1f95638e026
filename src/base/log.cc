#include "base/log.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>

#include "base/check.h"
#include "base/encoding.h"

namespace chitin::log {

namespace internal {
std::atomic<std::uint8_t> g_level{static_cast<std::uint8_t>(Level::kInfo)};
}  // namespace internal

namespace {

std::atomic<int> g_output_fd{STDERR_FILENO};

std::string_view basename_of(const char* path) {
  std::string_view p(path);
  const auto slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return;  // Nowhere left to report a logging failure.
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

std::string_view to_string(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "?";
}

std::optional<Level> parse_level(std::string_view name) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (name == to_string(l)) {
      return l;
    }
  }
  return std::nullopt;
}

void set_level(Level level) {
  internal::g_level.store(static_cast<std::uint8_t>(level), std::memory_order_relaxed);
}

Level level() { return static_cast<Level>(internal::g_level.load(std::memory_order_relaxed)); }

void set_output_fd(int fd) { g_output_fd.store(fd, std::memory_order_relaxed); }

void write(Level level, const char* file, int line, std::string_view message) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  const char tag = "DIWE"[static_cast<int>(level)];
  std::string out =
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {} {}:{}] {}\n", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis, tag,
                  basename_of(file), line, message);
  write_all(g_output_fd.load(std::memory_order_relaxed), out);
}

std::string escaped(std::string_view untrusted, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(untrusted.size(), max_bytes) + 8);
  std::size_t i = 0;
  while (i < untrusted.size()) {
    if (out.size() >= max_bytes) {
      out += fmt::format("...[{} more bytes]", untrusted.size() - i);
      break;
    }
    const auto c = static_cast<unsigned char>(untrusted[i]);
    if (c >= 0x80) {
      const std::size_t length = chitin::utf8_sequence_length(untrusted.substr(i));
      if (length > 0) {
        out.append(untrusted.substr(i, length));
        i += length;
        continue;
      }
      out += fmt::format("\\x{:02x}", c);
    } else if (c < 0x20 || c == 0x7F || c == '\\' || c == '"') {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
    ++i;
  }
  return out;
}

}  // namespace chitin::log

namespace chitin::internal {

void check_failed(const char* file, int line, const char* condition, std::string_view message) {
  log::write(log::Level::kError, file, line,
             fmt::format("CHECK failed: {}: {}", condition, message));
  std::abort();
}

}  // namespace chitin::internal
