#pragma once
// How CLI commands reach the running gateway: its URL (an explicit --gateway URL, else from
// chitin.toml) and the owner token in $CHITIN_HOME/gateway.token, over the WebSocket API.

#include <memory>
#include <string>

#include "base/result.h"
#include "cli/command.h"
#include "gateway/client.h"

namespace chitin::cli {

struct GatewayConnection {
  std::string url;
  std::unique_ptr<gateway::Client> client;
};

Result<GatewayConnection> connect_gateway(const State& state, const std::string& url_override);

}  // namespace chitin::cli
