#include "cli/command.h"

#include <fmt/core.h>

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
