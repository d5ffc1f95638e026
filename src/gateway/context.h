#pragma once
// What every connection of the gateway shares: options, the audit log, tokens, lock-out
// state, console sessions and the allowed origins. Thread-safe (each member is, or is
// immutable after start).

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/log.h"
#include "base/result.h"
#include "config/config.h"
#include "config/state_dir.h"
#include "gateway/auth.h"
#include "gateway/chat.h"
#include "gateway/scopes.h"
#include "gateway/token_store.h"
#include "store/approvals.h"
#include "store/sessions.h"

namespace chitin::gateway {

// Bounds of every request and connection (README "Gateway"). Tests shorten the timeouts.
struct Limits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_header_fields = 100;
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_unauthenticated_body_bytes = 4 * 1024;  // no credential, or /api/login
  std::size_t ws_max_message_preauth = 64 * 1024;
  std::size_t ws_max_message = 1024 * 1024;
  std::chrono::milliseconds request_timeout{10000};  // a whole request head (slowloris)
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::milliseconds idle_timeout{30000};     // between keep-alive requests
  std::chrono::milliseconds ws_auth_timeout{10000};  // upgrade to authenticated
  std::chrono::milliseconds ws_idle_timeout{300000};
};

struct GatewayOptions {
  config::StatePaths paths;
  config::Config config;
  std::string bind;  // effective address (config or --bind)
  int port = 0;      // effective port (config or --port; 0: any free port)
  int threads = 2;
  std::string version;
  Limits limits;
  // doctor.run: supplied by the caller (the doctor module stands to the right of the gateway).
  std::function<Result<nlohmann::json>()> doctor;
  // The agent, made on the first chat (null: this gateway runs no agent).
  AgentFactory agent;
};

// Who is calling, as the server established it.
struct Principal {
  ScopeSet scopes = 0;
  std::string token_id;
  std::string via;         // "bearer", "cookie", "connect"
  std::string session_id;  // the console session, when via == "cookie"
};

enum class AuthFailure { kNone, kMissing, kInvalid, kLockedOut, kUnavailable };

struct AuthOutcome {
  AuthFailure failure = AuthFailure::kNone;
  Principal principal;
  std::chrono::milliseconds retry_after{0};
};

class GatewayContext {
 public:
  GatewayContext(GatewayOptions options, audit::AuditLog& log);

  const GatewayOptions& options() const { return options_; }
  const Limits& limits() const { return options_.limits; }
  audit::AuditLog& log() { return log_; }
  TokenStore& tokens() { return tokens_; }
  SessionStore& sessions() { return sessions_; }
  // Shared with every other process of the installation (SQLite). Opened on first use, not
  // at start: SQLite's page cache and schema would otherwise cost an idle gateway ~1.7 MB of
  // RSS. A failure to open is reported to the caller and retried on the next call.
  Result<store::ApprovalStore*> approvals();
  // The agent's sessions and transcripts (state.db), opened on first use like approvals().
  Result<store::SessionStore*> transcripts();
  ChatRunner& chat() { return chat_; }
  bool tls() const { return !options_.config.gateway.tls_cert.empty(); }

  // Sets the origins a browser may use once the port is known.
  void set_listening_port(int port);
  int port() const { return port_; }
  bool origin_allowed(std::string_view origin) const;

  // Checks a bearer/connect token from `address`: lock-out first, then the token; failures
  // and lock-outs are audited (auth.fail, auth.lockout).
  AuthOutcome authenticate_token(std::string_view token, const std::string& address,
                                 std::string_view via);
  std::optional<Principal> authenticate_cookie(std::string_view cookie_header);
  // False once the principal's token is revoked (or its scopes changed) or its console
  // session was logged out or expired. Checked on every WebSocket frame.
  bool still_valid(const Principal& principal);

  // Appends an audit event; a failure to audit is logged (the caller decides to refuse).
  Result<void> audit(const std::string& type, const std::string& actor, nlohmann::json details);
  // For events an unauthenticated client can cause at will (refused Origins, credentials in
  // URLs, lock-out hits): at most one per type and address every kAuditThrottle; the next one
  // carries how many were suppressed, so flooding cannot fill the disk.
  static constexpr std::chrono::seconds kAuditThrottle{5};
  void audit_throttled(const std::string& type, const std::string& address, nlohmann::json details);

  std::atomic<int> connections{0};
  std::atomic<std::uint64_t> next_connection_id{1};
  const Clock::time_point started = Clock::now();

 private:
  GatewayOptions options_;
  audit::AuditLog& log_;
  TokenStore tokens_;
  RateLimiter limiter_;
  SessionStore sessions_;
  std::vector<std::string> origins_;
  int port_ = 0;
  struct Throttle {
    Clock::time_point last{};
    std::uint64_t suppressed = 0;
  };
  std::mutex throttle_mu_;
  std::unordered_map<std::string, Throttle> throttles_;  // guarded by throttle_mu_
  std::mutex approvals_mu_;
  std::unique_ptr<store::ApprovalStore> approvals_;   // guarded by approvals_mu_ until set
  std::unique_ptr<store::SessionStore> transcripts_;  // guarded by approvals_mu_ until set
  ChatRunner chat_;                                   // last: its turns stop before the rest goes
};

inline constexpr std::string_view kSessionCookie = "chitin_session";

// "chitin_session=<id>" from a Cookie header, or empty.
std::string session_cookie_value(std::string_view cookie_header);

}  // namespace chitin::gateway
