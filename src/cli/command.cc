#include "cli/command.h"

#include <fmt/core.h>

#include <cstdlib>

#include "base/log.h"

namespace chitin::cli {

void print_error(std::string_view message) {
  std::string_view rest = message;
  while (!rest.empty()) {
    const auto newline = std::min(rest.find('\n'), rest.size());
    fmt::print(stderr, "chitin: {}\n", rest.substr(0, newline));
    rest.remove_prefix(std::min(newline + 1, rest.size()));
  }
}

void print_error(const Error& error) { print_error(error.describe()); }

std::optional<config::StatePaths> initialised_paths(const CommandContext& context) {
  auto paths = config::resolve_state_paths(context.global.home);
  if (!paths) {
    print_error(paths.error());
    return std::nullopt;
  }
  if (auto ready = config::require_initialised(*paths); !ready) {
    print_error(ready.error());
    return std::nullopt;
  }
  return *paths;
}

std::optional<State> load_state(const CommandContext& context) {
  auto paths = initialised_paths(context);
  if (!paths) {
    return std::nullopt;
  }
  auto config = config::load_config(paths->config_file());
  if (!config) {
    print_error(config.error());
    return std::nullopt;
  }
  // log.level from the config, unless --log-level was given.
  if (context.global.log_level.empty()) {
    if (auto level = log::parse_level(config->log.level)) {
      log::set_level(*level);
    }
  }
  warn_dangerous(*config);
  return State{std::move(*paths), std::move(*config)};
}

std::string detector_cache_dir(const CommandContext& context) {
  auto paths = config::resolve_state_paths(context.global.home);
  if (paths && config::require_initialised(*paths)) {
    return paths->home + "/cache";
  }
  if (const char* cache = std::getenv("XDG_CACHE_HOME"); cache != nullptr && *cache == '/') {
    return std::string(cache) + "/chitin";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
    return std::string(home) + "/.cache/chitin";
  }
  return {};
}

void warn_dangerous(const config::Config& config) {
  for (const std::string& key : config::dangerous_settings(config)) {
    CHITIN_LOG(kWarn, "{} is on: this weakens Chitin's security (see docs/config.md)", key);
  }
}

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) {
      out.push_back('?');
    } else if (c == 0xC2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      out.push_back('?');  // a C1 control (U+0080..U+009F), e.g. CSI
      ++i;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

int exit_code_for(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalidInput:
    case ErrorCode::kNotFound:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kLimitExceeded:
    case ErrorCode::kUnavailable:
      return kExitUsage;
    case ErrorCode::kIo:
    case ErrorCode::kPermission:
    case ErrorCode::kIntegrity:
    case ErrorCode::kInternal:
      return kExitProblem;
  }
  return kExitProblem;
}

}  // namespace chitin::cli
