#include "providers/libcurl.h"

#include <dlfcn.h>

namespace chitin::providers {

namespace {

constexpr const char* kSoname = "libcurl.so.4";
constexpr const char* kInstall =
    "install it with: apt-get install libcurl4 (scripts/install-deps.sh)";

template <typename Function>
bool bind(void* library, const char* name, Function& out) {
  // POSIX guarantees that dlsym's object pointer converts to a function pointer.
  out = reinterpret_cast<Function>(dlsym(library, name));
  return out != nullptr;
}

Result<Libcurl> load() {
  void* library = dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* why = dlerror();
    return fail(ErrorCode::kUnavailable, "cannot load {} for HTTP requests ({}); {}", kSoname,
                why != nullptr ? why : "unknown error", kInstall);
  }
  Libcurl api;
  decltype(&::curl_global_init) global_init = nullptr;
  const bool bound = bind(library, "curl_global_init", global_init) &&
                     bind(library, "curl_easy_init", api.easy_init) &&
                     bind(library, "curl_easy_cleanup", api.easy_cleanup) &&
                     bind(library, "curl_easy_setopt", api.easy_setopt) &&
                     bind(library, "curl_easy_perform", api.easy_perform) &&
                     bind(library, "curl_easy_getinfo", api.easy_getinfo) &&
                     bind(library, "curl_easy_strerror", api.easy_strerror) &&
                     bind(library, "curl_slist_append", api.slist_append) &&
                     bind(library, "curl_slist_free_all", api.slist_free_all);
  if (!bound) {
    return fail(ErrorCode::kUnavailable, "{} lacks a function Chitin needs; {}", kSoname, kInstall);
  }
  // Not thread-safe in older libcurl, hence once, here, before any handle exists.
  if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    return fail(ErrorCode::kInternal, "libcurl failed to initialise");
  }
  return api;
}

}  // namespace

Result<const Libcurl*> libcurl() {
  static const Result<Libcurl> loaded = load();  // magic static: loaded once, thread-safe
  if (!loaded) {
    return tl::unexpected(loaded.error());
  }
  return &*loaded;
}

void CurlEasyFree::operator()(CURL* curl) const {
  if (auto api = libcurl()) {
    (*api)->easy_cleanup(curl);
  }
}

void CurlSlistFree::operator()(curl_slist* list) const {
  if (auto api = libcurl()) {
    (*api)->slist_free_all(list);
  }
}

}  // namespace chitin::providers
