#pragma once
// Shared libraries opened on first use instead of at program start.
//
// Every `chitin` command maps and relocates the libraries it links before main runs, and on
// the reference VM each page fault costs ~10 µs. libcurl (model calls, web_fetch), libarchive
// (skill bundles) and libyara (skill scans) brought 39 of the 52 libraries `chitin` linked
// (GnuTLS, Kerberos, LDAP, ICU, libxml2, libmagic, ...) that most commands never call, so their
// users load them here, once, and call through pointers typed from the library's own header.

#include <dlfcn.h>

#include <string_view>
#include <utility>

#include "base/result.h"

namespace chitin {

// dlopen(soname) for the life of the process (never closed). The error names the library,
// the loader's reason and the Debian package that provides it.
Result<void*> open_shared_library(const char* soname, std::string_view package);

// Points `out` at `name` in `library`: false when the library lacks it.
template <typename Function>
bool bind_symbol(void* library, const char* name, Function& out) {
  // POSIX guarantees that dlsym's object pointer converts to a function pointer.
  out = reinterpret_cast<Function>(dlsym(library, name));
  return out != nullptr;
}

// `Load`'s answer, computed by the first call for this Api type (thread-safe, as a function's
// static is) and kept for the life of the process: a library's table of functions.
template <typename Api, Result<Api> (*Load)()>
Result<const Api*> load_once() {
  // Never destroyed (a union does not destroy its member): a thread still calling the
  // library while the process exits must not find the table gone.
  union Kept {
    explicit Kept(Result<Api> r) : result(std::move(r)) {}
    ~Kept() {}  // NOLINT(modernize-use-equals-default): must not destroy `result`
    Result<Api> result;
  };
  static const Kept kept(Load());
  if (!kept.result) {
    return tl::unexpected(kept.result.error());
  }
  return &*kept.result;
}

// The error for a library that loaded but lacks a function Chitin calls.
Error missing_symbol_error(const char* soname, std::string_view package);

}  // namespace chitin
