#pragma once
// The chat methods of the WebSocket API (docs/gateway.md "Chat"): chat.send starts an agent
// turn and streams its events to the connection as
//   {"type":"event","event":"agent","payload":{"runId","sessionKey","kind",...}}
// (kind: text, tool_call, approval_pending, approval_resolved, tool_result, notice, final,
// error); chat.history, chat.abort and sessions.list read and steer the sessions.

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "gateway/context.h"
#include "gateway/rpc.h"

namespace chitin::gateway {

Result<nlohmann::json> chat_send(GatewayContext& context, Connection& connection,
                                 const nlohmann::json& params);
Result<nlohmann::json> chat_history(GatewayContext& context, Connection& connection,
                                    const nlohmann::json& params);
Result<nlohmann::json> chat_abort(GatewayContext& context, Connection& connection,
                                  const nlohmann::json& params);
Result<nlohmann::json> sessions_list(GatewayContext& context, Connection& connection,
                                     const nlohmann::json& params);

}  // namespace chitin::gateway
