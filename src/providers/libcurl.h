#pragma once
// libcurl, loaded by the first HTTP request instead of at program start (base/shared_library.h
// says why): 13 ms of the 26 ms `chitin --version` took on the reference VM went to mapping it
// and its dependencies, for commands such as `chitin sandbox run` that never call it.

#include <curl/curl.h>

#include "base/result.h"

namespace chitin::providers {

struct Libcurl {
  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;
  decltype(&::curl_easy_perform) easy_perform = nullptr;
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_slist_append) slist_append = nullptr;
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;
};

// libcurl.so.4, loaded and globally initialised once (thread-safe). The error names what is
// missing and the package to install; every later call returns the same answer.
Result<const Libcurl*> libcurl();

// Owning handles, freed through the loaded library (which must have loaded to make them).
struct CurlEasyFree {
  void operator()(CURL* curl) const;
};
struct CurlSlistFree {
  void operator()(curl_slist* list) const;
};

}  // namespace chitin::providers
