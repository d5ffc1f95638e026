#pragma once
// The WebSocket API: JSON frames in OpenClaw's shapes
//   request  {"type":"req","id":ID,"method":M,"params":{...}}
//   response {"type":"res","id":ID,"ok":true,"payload":{...}}
//            {"type":"res","id":ID,"ok":false,"error":{"code","message","details"?}}
// The first frame of a connection not authenticated by the console cookie must be
// `connect` with {"auth":{"token":...}}; anything else closes the connection. Every method
// requires a scope (docs/gateway.md lists them); a missing one answers FORBIDDEN with
// details {code: MISSING_SCOPE, missingScope, requiredScopes}.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/context.h"

namespace chitin::gateway {

struct Connection {
  std::uint64_t id = 0;
  std::string address;
  std::optional<Principal> principal;  // set once authenticated
  // Sends an event frame to this connection from any thread; a no-op once it has closed.
  std::function<void(const nlohmann::json& frame)> push;
  std::vector<std::string> runs;  // turns this connection started (aborted when it closes)
};

struct FrameResult {
  nlohmann::json reply;  // null: nothing to send
  bool close = false;    // close the connection after sending `reply`
};

// Handles one text frame (already size-bounded by the WebSocket layer).
FrameResult handle_frame(GatewayContext& context, Connection& connection, std::string_view text);

// The method names, for `connect`'s features list and the docs test.
std::vector<std::string> method_names();

}  // namespace chitin::gateway
