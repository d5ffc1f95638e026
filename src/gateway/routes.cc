#include "gateway/routes.h"

#include <fmt/core.h>

#include "base/log.h"
#include "gateway/beast_compat.h"
#include "gateway/http_rules.h"

namespace chitin::gateway {

namespace http = boost::beast::http;

namespace {

Response json_response(const Request& request, http::status status, const nlohmann::json& body) {
  Response response{status, request.version()};
  response.set(http::field::content_type, "application/json");
  response.keep_alive(request.keep_alive());
  response.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  response.prepare_payload();
  return response;
}

std::string bearer_of(const Request& request) {
  const auto it = request.find(http::field::authorization);
  if (it == request.end()) {
    return {};
  }
  const std::string_view value = to_std(it->value());
  if (value.size() > 7 && (value.starts_with("Bearer ") || value.starts_with("bearer "))) {
    return std::string(value.substr(7));
  }
  return {};
}

std::string_view header(const Request& request, http::field field) {
  const auto it = request.find(field);
  return it == request.end() ? std::string_view() : to_std(it->value());
}

// Bearer token, or a console cookie. A cookie counts only for a request whose Origin is ours
// when it changes state (POST), so another site cannot ride on it (SameSite=Strict is the
// first line; this is the second).
std::optional<Principal> authenticate(GatewayContext& context, const Request& request,
                                      const RequestInfo& info, Response& refusal) {
  const std::string bearer = bearer_of(request);
  if (!bearer.empty()) {
    const AuthOutcome outcome = context.authenticate_token(bearer, info.address, "bearer");
    if (outcome.failure == AuthFailure::kNone) {
      return outcome.principal;
    }
    if (outcome.failure == AuthFailure::kLockedOut) {
      refusal = error_response(request, http::status::too_many_requests, "locked_out",
                               "too many failed attempts from this address; wait and retry");
      refusal.set(http::field::retry_after,
                  std::to_string(std::max<long long>(1, outcome.retry_after.count() / 1000)));
      return std::nullopt;
    }
    refusal = error_response(request, http::status::unauthorized, "unauthorized", "invalid token");
    return std::nullopt;
  }
  if (auto principal = context.authenticate_cookie(header(request, http::field::cookie))) {
    if (request.method() == http::verb::get || info.browser_origin_ok) {
      return principal;
    }
  }
  refusal = error_response(request, http::status::unauthorized, "unauthorized",
                           "send 'Authorization: Bearer <token>' (see 'chitin token create')");
  return std::nullopt;
}

Response login(GatewayContext& context, const Request& request, const RequestInfo& info) {
  if (!info.browser_origin_ok) {
    return error_response(request, http::status::forbidden, "origin_required",
                          "log in from the console page of this gateway");
  }
  const auto body = nlohmann::json::parse(request.body(), nullptr, false);
  const std::string token = body.is_object() && body.contains("token") && body["token"].is_string()
                                ? body["token"].get<std::string>()
                                : std::string();
  const AuthOutcome outcome = context.authenticate_token(token, info.address, "console_login");
  if (outcome.failure == AuthFailure::kLockedOut) {
    Response response = error_response(request, http::status::too_many_requests, "locked_out",
                                       "too many failed attempts; wait and retry");
    response.set(http::field::retry_after,
                 std::to_string(std::max<long long>(1, outcome.retry_after.count() / 1000)));
    return response;
  }
  if (outcome.failure != AuthFailure::kNone) {
    return error_response(request, http::status::unauthorized, "unauthorized", "invalid token");
  }
  const std::string id =
      context.sessions().create(outcome.principal.scopes, outcome.principal.token_id, Clock::now());
  (void)context.audit("auth.login", "gateway:" + info.address,
                      {{"token_id", outcome.principal.token_id}, {"via", "console"}});
  Response response =
      json_response(request, http::status::ok, {{"scopes", scope_names(outcome.principal.scopes)}});
  response.set(http::field::set_cookie,
               fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}", kSessionCookie,
                           id, context.sessions().ttl().count(), context.tls() ? "; Secure" : ""));
  return response;
}

Response logout(GatewayContext& context, const Request& request, const RequestInfo& info) {
  if (!info.browser_origin_ok) {
    return error_response(request, http::status::forbidden, "origin_required",
                          "log out from the console page of this gateway");
  }
  const std::string id = session_cookie_value(header(request, http::field::cookie));
  if (!id.empty()) {
    context.sessions().revoke(id);
    (void)context.audit("auth.logout", "gateway:" + info.address, {});
  }
  Response response = json_response(request, http::status::ok, {{"ok", true}});
  response.set(http::field::set_cookie,
               fmt::format("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}", kSessionCookie,
                           context.tls() ? "; Secure" : ""));
  return response;
}

Response no_agent(const Request& request) {
  return json_response(request, http::status::not_implemented,
                       {{"error",
                         {{"message",
                           "the OpenAI-compatible chat endpoint is not available in this build; "
                           "use the WebSocket API's chat.send or `chitin agent`"},
                          {"type", "not_implemented"},
                          {"code", "not_implemented"}}}});
}

}  // namespace

Response error_response(const Request& request, http::status status, std::string_view code,
                        std::string_view message) {
  return json_response(request, status, {{"error", {{"code", code}, {"message", message}}}});
}

Response bare_error(http::status status, std::string_view code, std::string_view message) {
  Response response{status, 11};
  response.set(http::field::content_type, "application/json");
  response.keep_alive(false);
  response.body() = nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump() + "\n";
  response.prepare_payload();
  return response;
}

void add_security_headers(Response& response, bool tls) {
  for (const auto& [name, value] : security_headers()) {
    response.set(to_beast(name), to_beast(value));
  }
  if (tls) {
    response.set(http::field::strict_transport_security, "max-age=31536000");
  }
  response.set(http::field::server, "chitin");
}

Response handle_http(GatewayContext& context, const Request& request, const RequestInfo& info) {
  const std::string_view path = target_path(to_std(request.target()));
  const http::verb method = request.method();
  if (path == "/healthz") {
    Response response{http::status::ok, request.version()};
    response.set(http::field::content_type, "text/plain");
    response.keep_alive(request.keep_alive());
    response.body() = "ok\n";
    response.prepare_payload();
    return response;
  }
  if (path == "/api/login" && method == http::verb::post) {
    return login(context, request, info);
  }
  if (path == "/api/logout" && method == http::verb::post) {
    return logout(context, request, info);
  }
  if (path.starts_with("/v1/") || path.starts_with("/api/")) {
    Response refusal;
    const auto principal = authenticate(context, request, info, refusal);
    if (!principal) {
      return refusal;
    }
    if (path == "/v1/models" && method == http::verb::get) {
      if ((principal->scopes & kScopeRead) == 0) {
        return error_response(request, http::status::forbidden, "missing_scope",
                              "this token lacks operator.read");
      }
      return json_response(
          request, http::status::ok,
          {{"object", "list"},
           {"data", nlohmann::json::array(
                        {{{"id", "chitin"}, {"object", "model"}, {"owned_by", "chitin"}}})}});
    }
    if (path == "/v1/chat/completions" && method == http::verb::post) {
      if ((principal->scopes & kScopeWrite) == 0) {
        return error_response(request, http::status::forbidden, "missing_scope",
                              "this token lacks operator.write");
      }
      return no_agent(request);
    }
    if (path == "/api/session" && method == http::verb::get) {
      return json_response(request, http::status::ok,
                           {{"scopes", scope_names(principal->scopes)}, {"via", principal->via}});
    }
    return error_response(request, http::status::not_found, "not_found", "no such endpoint");
  }
  if (method == http::verb::get) {
    if (const Asset* asset = find_asset(path)) {
      Response response{http::status::ok, request.version()};
      response.set(http::field::content_type, to_beast(asset->content_type));
      response.keep_alive(request.keep_alive());
      response.body() = std::string(asset->body);
      response.prepare_payload();
      return response;
    }
  }
  return error_response(request, http::status::not_found, "not_found", "not found");
}

}  // namespace chitin::gateway
