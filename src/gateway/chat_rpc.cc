#include "gateway/chat_rpc.h"

#include "agent/transcript_codec.h"

namespace chitin::gateway {

namespace {

constexpr std::string_view kDefaultSession = "gateway:main";
constexpr std::int64_t kMaxHistory = 500;

Result<std::string> session_param(const nlohmann::json& params) {
  const auto found = params.find("sessionKey");
  if (found == params.end()) {
    return std::string(kDefaultSession);
  }
  if (!found->is_string()) {
    return fail(ErrorCode::kInvalidInput, "sessionKey must be a string");
  }
  std::string session = found->get<std::string>();
  CHITIN_RETURN_IF_ERROR(store::check_session_id(session));
  return session;
}

}  // namespace

Result<nlohmann::json> chat_send(GatewayContext& context, Connection& connection,
                                 const nlohmann::json& params) {
  const auto message = params.find("message");
  if (message == params.end() || !message->is_string() ||
      message->get_ref<const std::string&>().empty()) {
    return fail(ErrorCode::kInvalidInput,
                "params must be {\"message\": \"...\", \"sessionKey\"?: \"...\"}");
  }
  agent::TurnRequest request;
  request.session = CHITIN_TRY(session_param(params));
  request.text = message->get<std::string>();
  request.origin = "gateway:" + connection.principal->token_id;
  // MEMORY.md (private) goes only into turns of a token with every scope: the owner's.
  request.main_session = (connection.principal->scopes & kScopeAdmin) != 0;
  auto push = connection.push;
  const std::string session = request.session;
  const std::string id = CHITIN_TRY(context.chat().start(
      std::move(request),
      [push, session](const std::string& run_id, const agent::TurnEvent& event) {
        if (!push) {
          return;
        }
        nlohmann::json payload = event.data;
        payload["kind"] = event.type;
        payload["runId"] = run_id;
        payload["sessionKey"] = session;
        push({{"type", "event"}, {"event", "agent"}, {"payload", std::move(payload)}});
      }));
  connection.runs.push_back(id);
  (void)context.audit("chat.send", "gateway:" + connection.address,
                      {{"runId", id},
                       {"sessionKey", session},
                       {"bytes", message->get_ref<const std::string&>().size()}});
  return nlohmann::json{{"runId", id}, {"sessionKey", session}, {"status", "started"}};
}

Result<nlohmann::json> chat_history(GatewayContext& context, Connection& /*connection*/,
                                    const nlohmann::json& params) {
  const std::string session = CHITIN_TRY(session_param(params));
  std::int64_t limit = 100;
  if (const auto found = params.find("limit"); found != params.end()) {
    if (!found->is_number_integer() || found->get<std::int64_t>() < 1 ||
        found->get<std::int64_t>() > kMaxHistory) {
      return fail(ErrorCode::kInvalidInput, "limit must be an integer 1-{}", kMaxHistory);
    }
    limit = found->get<std::int64_t>();
  }
  store::SessionStore* transcripts = CHITIN_TRY(context.transcripts());
  nlohmann::json messages = nlohmann::json::array();
  for (const store::TranscriptEntry& entry :
       CHITIN_TRY(transcripts->history(session, static_cast<std::size_t>(limit)))) {
    nlohmann::json content = nlohmann::json::parse(entry.content, nullptr, false);
    if (content.is_discarded()) {
      continue;
    }
    content["role"] = entry.role;
    content["seq"] = entry.seq;
    content["createdMs"] = entry.created_ms;
    messages.push_back(std::move(content));
  }
  return nlohmann::json{{"sessionKey", session}, {"messages", std::move(messages)}};
}

Result<nlohmann::json> chat_abort(GatewayContext& context, Connection& connection,
                                  const nlohmann::json& params) {
  if (const auto run = params.find("runId"); run != params.end() && run->is_string()) {
    const bool aborted = context.chat().abort(run->get<std::string>());
    (void)context.audit("chat.abort", "gateway:" + connection.address,
                        {{"runId", run->get<std::string>()}, {"aborted", aborted}});
    return nlohmann::json{{"aborted", aborted ? 1 : 0}};
  }
  const std::string session = CHITIN_TRY(session_param(params));
  const std::size_t aborted = context.chat().abort_session(session);
  (void)context.audit("chat.abort", "gateway:" + connection.address,
                      {{"sessionKey", session}, {"aborted", aborted}});
  return nlohmann::json{{"aborted", aborted}};
}

Result<nlohmann::json> sessions_list(GatewayContext& context, Connection& /*connection*/,
                                     const nlohmann::json& /*params*/) {
  store::SessionStore* transcripts = CHITIN_TRY(context.transcripts());
  nlohmann::json out = nlohmann::json::array();
  for (const store::SessionSummary& session : CHITIN_TRY(transcripts->list(200))) {
    out.push_back({{"sessionKey", session.id},
                   {"agent", session.agent},
                   {"createdMs", session.created_ms},
                   {"updatedMs", session.updated_ms},
                   {"messages", session.entries}});
  }
  return nlohmann::json{{"sessions", std::move(out)}};
}

}  // namespace chitin::gateway
