#pragma once
// One error vocabulary for all of Chitin (STYLE.md "Errors"): Result<T> is a [[nodiscard]]
// tl::expected<T, Error>; errors are values, propagated with CHITIN_TRY /
// CHITIN_RETURN_IF_ERROR. Moving to std::expected later is a change to this file only.

#include <fmt/core.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace chitin {

enum class ErrorCode : std::uint8_t {
  kIo,             // the OS refused (see sys_errno)
  kInvalidInput,   // bad bytes, bad syntax, bad value from outside
  kNotFound,       // a named thing does not exist
  kAlreadyExists,  // creation refused because the target exists
  kPermission,     // refused by a policy or by file permissions
  kLimitExceeded,  // input or resource over a named bound
  kIntegrity,      // a hash, signature or chain did not verify
  kUnavailable,    // a feature or resource is not available here
  kInternal,       // a bug; should not happen
};

std::string_view to_string(ErrorCode code);

// `message` says what was wrong, where, and how to fix it. It is written for the user and may
// span several lines (one complete error per line), e.g. when a config has several mistakes.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  int sys_errno = 0;
  std::string message;

  // The message, plus ": <strerror>" when an errno is attached.
  [[nodiscard]] std::string describe() const;
};

template <class T>
class [[nodiscard]] Result : public tl::expected<T, Error> {
 public:
  using tl::expected<T, Error>::expected;
  // Lets the monadic helpers (and_then, map) flow back into a Result.
  Result(tl::expected<T, Error> e)  // NOLINT(google-explicit-constructor)
      : tl::expected<T, Error>(std::move(e)) {}
};

inline tl::unexpected<Error> fail(Error error) { return tl::make_unexpected(std::move(error)); }

inline tl::unexpected<Error> fail(ErrorCode code, std::string message) {
  return fail(Error{code, 0, std::move(message)});
}

template <class... Args>
tl::unexpected<Error> fail(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) {
  return fail(Error{code, 0, fmt::format(format, std::forward<Args>(args)...)});
}

// For a failed syscall: captures errno now, so call it right after the failure.
tl::unexpected<Error> errno_fail(std::string context);
tl::unexpected<Error> errno_fail(int sys_errno, std::string context);

}  // namespace chitin

// Evaluates `expr` (a Result); on error returns the error from the enclosing function,
// otherwise yields the value. GCC/Clang statement expression (see aesthetics.md C8).
#define CHITIN_TRY(expr)                                                   \
  ({                                                                       \
    auto&& chitin_try_result_ = (expr);                                    \
    if (!chitin_try_result_) {                                             \
      return ::tl::make_unexpected(std::move(chitin_try_result_).error()); \
    }                                                                      \
    std::move(chitin_try_result_).value();                                 \
  })

#define CHITIN_RETURN_IF_ERROR(expr)                                       \
  do {                                                                     \
    auto&& chitin_rie_result_ = (expr);                                    \
    if (!chitin_rie_result_) {                                             \
      return ::tl::make_unexpected(std::move(chitin_rie_result_).error()); \
    }                                                                      \
  } while (false)
