#include "gateway/auth.h"

#include <algorithm>

#include "base/crypto.h"

namespace chitin::gateway {

std::chrono::milliseconds RateLimiter::locked_for(const std::string& address,
                                                  Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = states_.find(address);
  if (it == states_.end() && states_.size() >= kMaxTracked) {
    it = states_.find(std::string(kOverflowBucket));
  }
  if (it == states_.end() || it->second.locked_until <= now) {
    return std::chrono::milliseconds(0);
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(it->second.locked_until - now);
}

std::chrono::milliseconds RateLimiter::record_failure(const std::string& address,
                                                      Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (states_.size() >= kMaxTracked && !states_.contains(address)) {
    // Forget addresses that are not locked out.
    std::erase_if(states_, [now](const auto& item) { return item.second.locked_until <= now; });
  }
  // When the table is still full, new addresses share one bucket: they lock out together
  // (fail closed) and memory stays bounded.
  const bool overflow = states_.size() >= kMaxTracked && !states_.contains(address);
  State& state = states_[overflow ? std::string(kOverflowBucket) : address];
  ++state.failures;
  if (state.failures <= kFreeFailures) {
    return std::chrono::milliseconds(0);
  }
  const int doublings = std::min(state.failures - kFreeFailures - 1, 10);
  const auto lockout = std::min<std::chrono::milliseconds>(
      std::chrono::milliseconds(1000LL << doublings), kMaxLockout);
  state.locked_until = now + lockout;
  return lockout;
}

void RateLimiter::record_success(const std::string& address) {
  std::lock_guard lock(mu_);
  states_.erase(address);
}

std::string SessionStore::create(ScopeSet scopes, const std::string& token_id,
                                 Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (sessions_.size() >= kMaxSessions) {
    std::erase_if(sessions_, [now](const auto& item) { return item.second.expires <= now; });
    if (sessions_.size() >= kMaxSessions) {
      const auto oldest = std::min_element(
          sessions_.begin(), sessions_.end(),
          [](const auto& a, const auto& b) { return a.second.expires < b.second.expires; });
      sessions_.erase(oldest);
    }
  }
  std::string id = crypto::random_token("", 32);
  sessions_[id] = ConsoleSession{scopes, token_id, now + ttl_};
  return id;
}

std::optional<ConsoleSession> SessionStore::find(const std::string& id, Clock::time_point now) {
  std::lock_guard lock(mu_);
  const auto it = sessions_.find(id);
  if (it == sessions_.end()) {
    return std::nullopt;
  }
  if (it->second.expires <= now) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void SessionStore::revoke(const std::string& id) {
  std::lock_guard lock(mu_);
  sessions_.erase(id);
}

}  // namespace chitin::gateway
