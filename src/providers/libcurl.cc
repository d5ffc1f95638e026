#include "providers/libcurl.h"

#include "base/shared_library.h"

namespace chitin::providers {

namespace {

// The soname of the headers we compile against: libcurl 7.x and 8.x are both ABI 4.
static_assert(LIBCURL_VERSION_MAJOR == 7 || LIBCURL_VERSION_MAJOR == 8,
              "these headers are not libcurl.so.4's; update kCurlSoname");
constexpr const char* kCurlSoname = "libcurl.so.4";
constexpr std::string_view kCurlPackage = "libcurl4";

Result<Libcurl> load_libcurl() {
  void* library = CHITIN_TRY(open_shared_library(kCurlSoname, kCurlPackage));
  Libcurl api;
  decltype(&::curl_global_init) global_init = nullptr;
  const bool bound = bind_symbol(library, "curl_global_init", global_init) &&
                     bind_symbol(library, "curl_easy_init", api.easy_init) &&
                     bind_symbol(library, "curl_easy_cleanup", api.easy_cleanup) &&
                     bind_symbol(library, "curl_easy_setopt", api.easy_setopt) &&
                     bind_symbol(library, "curl_easy_perform", api.easy_perform) &&
                     bind_symbol(library, "curl_easy_getinfo", api.easy_getinfo) &&
                     bind_symbol(library, "curl_easy_strerror", api.easy_strerror) &&
                     bind_symbol(library, "curl_slist_append", api.slist_append) &&
                     bind_symbol(library, "curl_slist_free_all", api.slist_free_all);
  if (!bound) {
    return fail(missing_symbol_error(kCurlSoname, kCurlPackage));
  }
  // Not thread-safe in older libcurl, hence once, here, before any handle exists.
  if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    return fail(ErrorCode::kInternal, "libcurl failed to initialise");
  }
  return api;
}

}  // namespace

Result<const Libcurl*> libcurl() { return load_once<Libcurl, load_libcurl>(); }

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
