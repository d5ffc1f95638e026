#include "gateway/context.h"

#include <fmt/core.h>

#include "base/log.h"

namespace chitin::gateway {

GatewayContext::GatewayContext(GatewayOptions options, audit::AuditLog& log)
    : options_(std::move(options)),
      log_(log),
      tokens_(options_.paths),
      sessions_(std::chrono::seconds(options_.config.gateway.session_ttl_s)),
      chat_(options_.agent) {}

Result<store::ApprovalStore*> GatewayContext::approvals() {
  const std::lock_guard lock(approvals_mu_);
  if (approvals_ == nullptr) {
    approvals_ = CHITIN_TRY(store::ApprovalStore::open(options_.paths));
  }
  return approvals_.get();
}

Result<store::SessionStore*> GatewayContext::transcripts() {
  const std::lock_guard lock(approvals_mu_);
  if (transcripts_ == nullptr) {
    transcripts_ = CHITIN_TRY(store::SessionStore::open(options_.paths));
  }
  return transcripts_.get();
}

void GatewayContext::set_listening_port(int port) {
  port_ = port;
  const std::string scheme = tls() ? "https" : "http";
  origins_.clear();
  const std::string& bind = options_.bind;
  const bool v6 = bind.find(':') != std::string::npos;
  origins_.push_back(fmt::format("{}://{}:{}", scheme, v6 ? "[" + bind + "]" : bind, port));
  if (bind == "127.0.0.1" || bind == "::1") {
    origins_.push_back(fmt::format("{}://localhost:{}", scheme, port));
  }
  for (const std::string& extra : options_.config.gateway.allowed_origins) {
    origins_.push_back(extra);
  }
}

bool GatewayContext::origin_allowed(std::string_view origin) const {
  for (const std::string& allowed : origins_) {
    if (origin == allowed) {
      return true;
    }
  }
  return false;
}

AuthOutcome GatewayContext::authenticate_token(std::string_view token, const std::string& address,
                                               std::string_view via) {
  AuthOutcome out;
  const auto now = Clock::now();
  if (const auto wait = limiter_.locked_for(address, now); wait.count() > 0) {
    out.failure = AuthFailure::kLockedOut;
    out.retry_after = wait;
    audit_throttled("auth.fail", address,
                    {{"reason", "locked_out"}, {"via", via}, {"retry_after_ms", wait.count()}});
    return out;
  }
  if (token.empty()) {
    out.failure = AuthFailure::kMissing;
    return out;
  }
  auto verified = tokens_.verify(token);
  if (!verified) {
    CHITIN_LOG(kError, "cannot check gateway tokens: {}", verified.error().describe());
    out.failure = AuthFailure::kUnavailable;
    return out;
  }
  if (!*verified) {
    out.failure = AuthFailure::kInvalid;
    const auto lockout = limiter_.record_failure(address, now);
    (void)audit("auth.fail", "gateway:" + address, {{"reason", "invalid_token"}, {"via", via}});
    if (lockout.count() > 0) {
      (void)audit("auth.lockout", "gateway:" + address, {{"lockout_ms", lockout.count()}});
    }
    return out;
  }
  limiter_.record_success(address);
  out.principal = Principal{(*verified)->scopes, (*verified)->id, std::string(via), ""};
  return out;
}

std::optional<Principal> GatewayContext::authenticate_cookie(std::string_view cookie_header) {
  const std::string id = session_cookie_value(cookie_header);
  if (id.empty()) {
    return std::nullopt;
  }
  auto session = sessions_.find(id, Clock::now());
  if (!session) {
    return std::nullopt;
  }
  Principal principal{session->scopes, session->token_id, "cookie", id};
  if (!still_valid(principal)) {
    sessions_.revoke(id);
    return std::nullopt;
  }
  return principal;
}

bool GatewayContext::still_valid(const Principal& principal) {
  if (!principal.session_id.empty() && !sessions_.find(principal.session_id, Clock::now())) {
    return false;
  }
  auto current = tokens_.lookup(principal.token_id);
  return current && *current && !(*current)->revoked && (*current)->scopes == principal.scopes;
}

void GatewayContext::audit_throttled(const std::string& type, const std::string& address,
                                     nlohmann::json details) {
  const auto now = Clock::now();
  {
    std::lock_guard lock(throttle_mu_);
    if (throttles_.size() > 65536) {
      throttles_.clear();
    }
    Throttle& throttle = throttles_[type + "\n" + address];
    if (throttle.last != Clock::time_point{} && now - throttle.last < kAuditThrottle) {
      ++throttle.suppressed;
      return;
    }
    if (throttle.suppressed > 0) {
      details["suppressed_since_last"] = throttle.suppressed;
    }
    throttle.last = now;
    throttle.suppressed = 0;
  }
  (void)audit(type, "gateway:" + address, std::move(details));
}

Result<void> GatewayContext::audit(const std::string& type, const std::string& actor,
                                   nlohmann::json details) {
  auto appended = log_.append(audit::Event{type, actor, "", std::move(details)});
  if (!appended) {
    CHITIN_LOG(kError, "cannot audit {}: {}", type, appended.error().describe());
    return fail(appended.error());
  }
  return {};
}

std::string session_cookie_value(std::string_view header) {
  std::size_t start = 0;
  while (start < header.size()) {
    std::size_t end = header.find(';', start);
    if (end == std::string_view::npos) {
      end = header.size();
    }
    std::string_view pair = header.substr(start, end - start);
    while (!pair.empty() && pair.front() == ' ') {
      pair.remove_prefix(1);
    }
    if (pair.starts_with(kSessionCookie) && pair.size() > kSessionCookie.size() &&
        pair[kSessionCookie.size()] == '=') {
      return std::string(pair.substr(kSessionCookie.size() + 1, 128));
    }
    start = end + 1;
  }
  return {};
}

}  // namespace chitin::gateway
