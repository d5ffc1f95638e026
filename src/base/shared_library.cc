#include "base/shared_library.h"

namespace chitin {

Result<void*> open_shared_library(const char* soname, std::string_view package) {
  void* library = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* why = dlerror();
    return fail(ErrorCode::kUnavailable,
                "cannot load {} ({}); install it with: apt-get install {} "
                "(scripts/install-deps.sh)",
                soname, why != nullptr ? why : "unknown error", package);
  }
  return library;
}

Error missing_symbol_error(const char* soname, std::string_view package) {
  return Error{ErrorCode::kUnavailable, 0,
               fmt::format("{} lacks a function Chitin calls; install a current {} "
                           "(scripts/install-deps.sh)",
                           soname, package)};
}

}  // namespace chitin
