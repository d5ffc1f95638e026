#include "cli/gateway_access.h"

#include "sys/file_ops.h"

namespace chitin::cli {

Result<GatewayConnection> connect_gateway(const State& state, const std::string& url_override) {
  const config::GatewayConfig& config = state.config.gateway;
  GatewayConnection connection;
  connection.url = !url_override.empty() ? url_override
                                         : gateway::local_gateway_url(config.bind, config.port,
                                                                      !config.tls_cert.empty());
  std::string token = CHITIN_TRY(sys::read_file(state.paths.gateway_token_file(), 4096));
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) {
    token.pop_back();
  }
  connection.client = CHITIN_TRY(gateway::Client::connect(connection.url, token, config.tls_cert));
  return connection;
}

}  // namespace chitin::cli
