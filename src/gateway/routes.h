#pragma once
// The HTTP routes of the gateway (not the WebSocket): static console files, /healthz, the
// console's login/logout, and the OpenAI-compatible /v1 endpoints. Each takes a parsed
// request and returns the response; the session adds the security headers and writes it.

#include <boost/beast/http.hpp>

#include "gateway/context.h"

namespace chitin::gateway {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

struct RequestInfo {
  std::string address;             // source IP
  bool browser_origin_ok = false;  // an Origin header was present and allowed
};

Response handle_http(GatewayContext& context, const Request& request, const RequestInfo& info);

// A JSON error response {"error": {"code", "message"}} with `status`.
Response error_response(const Request& request, boost::beast::http::status status,
                        std::string_view code, std::string_view message);
// The same for a request that could not be parsed (no request object to mirror).
Response bare_error(boost::beast::http::status status, std::string_view code,
                    std::string_view message);

// Adds the security headers (and Strict-Transport-Security under TLS).
void add_security_headers(Response& response, bool tls);

}  // namespace chitin::gateway
