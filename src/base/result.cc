#include "base/result.h"

#include <cerrno>
#include <cstring>

namespace chitin {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kInvalidInput:
      return "invalid_input";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kPermission:
      return "permission";
    case ErrorCode::kLimitExceeded:
      return "limit_exceeded";
    case ErrorCode::kIntegrity:
      return "integrity";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "unknown";
}

std::string Error::describe() const {
  if (sys_errno == 0) {
    return message;
  }
  return fmt::format("{}: {}", message, std::strerror(sys_errno));
}

tl::unexpected<Error> errno_fail(std::string context) {
  return errno_fail(errno, std::move(context));
}

tl::unexpected<Error> errno_fail(int sys_errno, std::string context) {
  ErrorCode code = ErrorCode::kIo;
  if (sys_errno == ENOENT) {
    code = ErrorCode::kNotFound;
  } else if (sys_errno == EEXIST) {
    code = ErrorCode::kAlreadyExists;
  } else if (sys_errno == EACCES || sys_errno == EPERM) {
    code = ErrorCode::kPermission;
  }
  return fail(Error{code, sys_errno, std::move(context)});
}

}  // namespace chitin
