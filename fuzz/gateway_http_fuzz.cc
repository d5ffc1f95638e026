// Fuzz target: an HTTP request head and body as the gateway reads them (Beast's parser with
// the gateway's limits), then the gateway's own request rules: credentials in the query,
// static asset lookup, the session cookie. Any bytes must be parsed or refused, never crash.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "fuzz_target.h"
#include "gateway/beast_compat.h"
#include "gateway/context.h"
#include "gateway/http_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace http = boost::beast::http;
  using namespace chitin::gateway;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // The rules on the raw text as well (a target need not come from a valid request).
  (void)credential_in_query(text);
  (void)find_asset(target_path(text));
  (void)session_cookie_value(text);

  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(1024 * 1024);
  parser.eager(true);
  boost::system::error_code ec;
  std::size_t offset = 0;
  while (offset < size && !parser.is_done()) {
    const std::size_t used = parser.put(boost::asio::buffer(data + offset, size - offset), ec);
    if (ec || used == 0) {
      break;
    }
    offset += used;
  }
  if (parser.is_header_done()) {
    const auto& request = parser.get();
    const std::string_view target = to_std(request.target());
    (void)credential_in_query(target);
    (void)find_asset(target_path(target));
    const auto cookie = request.find(http::field::cookie);
    if (cookie != request.end()) {
      (void)session_cookie_value(to_std(cookie->value()));
    }
  }
  return 0;
}
