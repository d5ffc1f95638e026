#include "gateway/rpc.h"

#include <fmt/core.h>

#include <deque>
#include <functional>

#include "audit/reader.h"
#include "audit/record.h"
#include "base/json_depth.h"
#include "gateway/chat_rpc.h"
#include "skills/installer.h"

namespace chitin::gateway {

namespace {

constexpr std::size_t kMaxJsonDepth = 32;
constexpr std::size_t kMaxAuditTail = 500;

using Handler =
    std::function<Result<nlohmann::json>(GatewayContext&, Connection&, const nlohmann::json&)>;

struct Method {
  std::string_view name;
  Scope scope;
  Handler handler;
};

Result<nlohmann::json> health(GatewayContext& context, Connection&, const nlohmann::json&) {
  const auto audit_health = context.log().health();
  return nlohmann::json{{"ok", audit_health.ok},
                        {"uptimeMs", std::chrono::duration_cast<std::chrono::milliseconds>(
                                         Clock::now() - context.started)
                                         .count()}};
}

Result<nlohmann::json> status(GatewayContext& context, Connection&, const nlohmann::json&) {
  const auto audit_health = context.log().health();
  return nlohmann::json{
      {"version", context.options().version},
      {"bind", context.options().bind},
      {"port", context.port()},
      {"tls", context.tls()},
      {"connections", context.connections.load()},
      {"audit", {{"ok", audit_health.ok}, {"problem", audit_health.problem}}},
      {"agent", {{"configured", false}, {"hint", "the agent runtime arrives with issue #8"}}}};
}

Result<nlohmann::json> audit_tail(GatewayContext& context, Connection&,
                                  const nlohmann::json& params) {
  std::size_t limit = 100;
  std::string type;
  if (params.contains("limit")) {
    if (!params["limit"].is_number_unsigned() || params["limit"].get<std::size_t>() == 0 ||
        params["limit"].get<std::size_t>() > kMaxAuditTail) {
      return fail(ErrorCode::kInvalidInput, "limit must be 1..{}", kMaxAuditTail);
    }
    limit = params["limit"].get<std::size_t>();
  }
  if (params.contains("type")) {
    if (!params["type"].is_string() || params["type"].get<std::string>().size() > 64) {
      return fail(ErrorCode::kInvalidInput, "type must be a short string such as 'auth'");
    }
    type = params["type"].get<std::string>();
  }
  CHITIN_RETURN_IF_ERROR(context.log().flush());
  audit::LogFollower follower(context.options().paths.audit_dir());
  const audit::RecordFilter filter{type, 0};
  std::deque<nlohmann::json> last;
  CHITIN_RETURN_IF_ERROR(follower.for_each_new([&](std::string_view line) {
    auto record = audit::parse_record(line);
    if (record && filter.matches(*record)) {
      auto json = nlohmann::json::parse(line, nullptr, false);
      if (!json.is_discarded()) {
        last.push_back(std::move(json));
        if (last.size() > limit) {
          last.pop_front();
        }
      }
    }
  }));
  return nlohmann::json{
      {"records", nlohmann::json(std::vector<nlohmann::json>(last.begin(), last.end()))}};
}

Result<nlohmann::json> skills_list(GatewayContext& context, Connection&, const nlohmann::json&) {
  auto scanner = CHITIN_TRY(skills::Scanner::create());
  const auto loaded =
      CHITIN_TRY(skills::Installer(context.options().paths, scanner).load(&context.log()));
  nlohmann::json out = nlohmann::json::array();
  for (const auto& skill : loaded) {
    out.push_back(
        {{"name", skill.name},
         {"version", skill.entry.version},
         {"status", !skill.ok ? "disabled" : (skill.entry.quarantined ? "quarantined" : "ok")},
         {"problem", skill.problem},
         {"signer", skill.entry.signer},
         {"description", skill.document ? skill.document->description : ""},
         {"permissions", skills::to_json(skill.entry.permissions)}});
  }
  return nlohmann::json{{"skills", out}};
}

Result<nlohmann::json> doctor_run(GatewayContext& context, Connection&, const nlohmann::json&) {
  if (!context.options().doctor) {
    return fail(ErrorCode::kUnavailable, "the doctor is not available in this process");
  }
  return context.options().doctor();
}

Result<store::ApprovalStore*> approval_store(GatewayContext& context) {
  auto approvals = context.approvals();
  if (!approvals) {
    return fail(ErrorCode::kUnavailable, "the approvals database cannot be opened: {}",
                approvals.error().describe());
  }
  return *approvals;
}

Result<nlohmann::json> approvals_list(GatewayContext& context, Connection&, const nlohmann::json&) {
  store::ApprovalStore* approvals = CHITIN_TRY(approval_store(context));
  nlohmann::json out = nlohmann::json::array();
  for (const store::Approval& approval : CHITIN_TRY(approvals->pending())) {
    out.push_back(store::to_json(approval));
  }
  return nlohmann::json{{"approvals", out}};
}

Result<nlohmann::json> approvals_resolve(GatewayContext& context, Connection& connection,
                                         const nlohmann::json& params) {
  store::ApprovalStore* approvals = CHITIN_TRY(approval_store(context));
  if (!params.contains("id") || !params["id"].is_string() || !params.contains("decision") ||
      !params["decision"].is_string()) {
    return fail(ErrorCode::kInvalidInput,
                "params must be {\"id\": ..., \"decision\": \"approve\" or \"deny\"}");
  }
  const std::string decision = params["decision"].get<std::string>();
  if (decision != "approve" && decision != "deny") {
    return fail(ErrorCode::kInvalidInput, "decision must be \"approve\" or \"deny\"");
  }
  const std::string by = "gateway:" + connection.principal->token_id;
  const store::Approval approval =
      CHITIN_TRY(approvals->resolve(params["id"].get<std::string>(), decision == "approve", by));
  CHITIN_RETURN_IF_ERROR(context.audit("approval.resolve", "gateway:" + connection.address,
                                       {{"id", approval.id},
                                        {"decision", approval.status},
                                        {"by", by},
                                        {"action", approval.action}}));
  return store::to_json(approval);
}

const std::vector<Method>& methods() {
  static const std::vector<Method> table = {
      {"health", kScopeRead, health},
      {"status", kScopeRead, status},
      {"sessions.list", kScopeRead, sessions_list},
      {"chat.send", kScopeWrite, chat_send},
      {"chat.history", kScopeRead, chat_history},
      {"chat.abort", kScopeWrite, chat_abort},
      {"approvals.list", kScopeApprovals, approvals_list},
      {"approvals.resolve", kScopeApprovals, approvals_resolve},
      {"audit.tail", kScopeAdmin, audit_tail},
      {"skills.list", kScopeRead, skills_list},
      {"doctor.run", kScopeAdmin, doctor_run},
  };
  return table;
}

std::string_view error_code(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalidInput:
    case ErrorCode::kLimitExceeded:
      return "INVALID_REQUEST";
    case ErrorCode::kNotFound:
      return "NOT_FOUND";
    case ErrorCode::kPermission:
      return "FORBIDDEN";
    case ErrorCode::kUnavailable:
      return "UNAVAILABLE";
    default:
      return "INTERNAL";
  }
}

nlohmann::json error_reply(const nlohmann::json& id, std::string_view code,
                           std::string_view message, nlohmann::json details = nullptr) {
  nlohmann::json error = {{"code", code}, {"message", message}, {"retryable", false}};
  if (!details.is_null()) {
    error["details"] = std::move(details);
  }
  return {{"type", "res"}, {"id", id}, {"ok", false}, {"error", std::move(error)}};
}

FrameResult handle_connect(GatewayContext& context, Connection& connection,
                           const nlohmann::json& id, const nlohmann::json& params) {
  std::string token;
  if (params.is_object() && params.contains("auth") && params["auth"].is_object() &&
      params["auth"].contains("token") && params["auth"]["token"].is_string()) {
    token = params["auth"]["token"].get<std::string>();
  }
  if (!connection.principal) {
    const AuthOutcome outcome = context.authenticate_token(token, connection.address, "connect");
    if (outcome.failure != AuthFailure::kNone) {
      return {error_reply(
                  id, outcome.failure == AuthFailure::kLockedOut ? "LOCKED_OUT" : "UNAUTHORIZED",
                  outcome.failure == AuthFailure::kLockedOut
                      ? "too many failed attempts from this address; wait and retry"
                      : "connect needs {\"auth\":{\"token\":...}} with a valid token"),
              true};
    }
    connection.principal = outcome.principal;
  }
  (void)context.audit("auth.connect", "gateway:" + connection.address,
                      {{"token_id", connection.principal->token_id},
                       {"via", connection.principal->via},
                       {"conn", connection.id}});
  return {
      {{"type", "res"},
       {"id", id},
       {"ok", true},
       {"payload",
        {{"type", "hello-ok"},
         {"protocol", 1},
         {"server",
          {{"name", "chitin"}, {"version", context.options().version}, {"connId", connection.id}}},
         {"auth", {{"scopes", scope_names(connection.principal->scopes)}}},
         {"features", {{"methods", method_names()}, {"events", nlohmann::json::array()}}},
         {"policy", {{"maxPayload", context.limits().ws_max_message}}}}}},
      false};
}

}  // namespace

std::vector<std::string> method_names() {
  std::vector<std::string> names;
  for (const Method& method : methods()) {
    names.emplace_back(method.name);
  }
  return names;
}

FrameResult handle_frame(GatewayContext& context, Connection& connection, std::string_view text) {
  if (json_nesting_depth(text) > kMaxJsonDepth) {
    return {error_reply(nullptr, "INVALID_REQUEST", "frame nested too deeply"),
            !connection.principal};
  }
  const auto frame = nlohmann::json::parse(text, nullptr, false);
  // Every member is type-checked before use: nlohmann's typed accessors throw, and nothing
  // a client sends may crash the gateway.
  if (frame.is_discarded() || !frame.is_object() || !frame.contains("type") ||
      !frame["type"].is_string() || frame["type"].get<std::string>() != "req" ||
      !frame.contains("method") || !frame["method"].is_string()) {
    return {error_reply(frame.is_object() && frame.contains("id") ? frame["id"] : nullptr,
                        "INVALID_REQUEST",
                        "expected {\"type\":\"req\",\"id\":...,\"method\":...,\"params\":{...}}"),
            !connection.principal};
  }
  const nlohmann::json id = frame.contains("id") ? frame["id"] : nlohmann::json();
  if (!id.is_string() && !id.is_number_integer()) {
    return {error_reply(nullptr, "INVALID_REQUEST", "id must be a string or an integer"),
            !connection.principal};
  }
  const std::string method = frame["method"].get<std::string>();
  const nlohmann::json params = frame.contains("params") && frame["params"].is_object()
                                    ? frame["params"]
                                    : nlohmann::json::object();
  if (method == "connect") {
    return handle_connect(context, connection, id, params);
  }
  if (!connection.principal) {
    context.audit_throttled("auth.fail", connection.address,
                            {{"reason", "first_frame_not_connect"}, {"via", "websocket"}});
    return {error_reply(id, "UNAUTHORIZED", "the first frame must be connect"), true};
  }
  // Revoked tokens and ended console sessions lose their connections at the next frame.
  if (!context.still_valid(*connection.principal)) {
    return {error_reply(id, "UNAUTHORIZED", "the token was revoked or the session ended"), true};
  }
  for (const Method& entry : methods()) {
    if (entry.name != method) {
      continue;
    }
    if ((connection.principal->scopes & entry.scope) == 0) {
      return {
          error_reply(id, "FORBIDDEN", fmt::format("{} needs {}", method, scope_name(entry.scope)),
                      {{"code", "MISSING_SCOPE"},
                       {"missingScope", scope_name(entry.scope)},
                       {"requiredScopes", {scope_name(entry.scope)}}}),
          false};
    }
    auto payload = entry.handler(context, connection, params);
    if (!payload) {
      return {error_reply(id, error_code(payload.error()), payload.error().message), false};
    }
    return {{{"type", "res"}, {"id", id}, {"ok", true}, {"payload", std::move(*payload)}}, false};
  }
  return {error_reply(id, "NOT_FOUND", fmt::format("unknown method '{}'", method.substr(0, 64))),
          false};
}

}  // namespace chitin::gateway
