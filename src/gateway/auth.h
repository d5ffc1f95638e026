#pragma once
// Brute-force lock-out per source address and the web console's login sessions.
// Both are thread-safe and bounded in memory.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "gateway/scopes.h"

namespace chitin::gateway {

using Clock = std::chrono::steady_clock;

// Failed authentications per source address. After kFreeFailures failures an address is
// locked out for 1 s, doubling with each further failure up to kMaxLockout; loopback gets no
// exemption (CVE-2026-25253 came from a local browser). A success clears the address.
class RateLimiter {
 public:
  static constexpr int kFreeFailures = 5;
  static constexpr std::chrono::seconds kMaxLockout{900};
  static constexpr std::size_t kMaxTracked = 65536;
  static constexpr std::string_view kOverflowBucket = "(overflow)";

  // How long the address must still wait; zero when it may try.
  std::chrono::milliseconds locked_for(const std::string& address, Clock::time_point now);
  // Records a failure; returns the lock-out it starts (zero while still under the free count).
  std::chrono::milliseconds record_failure(const std::string& address, Clock::time_point now);
  void record_success(const std::string& address);

 private:
  struct State {
    int failures = 0;
    Clock::time_point locked_until{};
  };
  std::mutex mu_;
  std::unordered_map<std::string, State> states_;
};

struct ConsoleSession {
  ScopeSet scopes = 0;
  std::string token_id;
  Clock::time_point expires{};
};

// Cookie sessions of the web console: 256-bit random ids, server-side scopes and expiry.
class SessionStore {
 public:
  static constexpr std::size_t kMaxSessions = 4096;

  explicit SessionStore(std::chrono::seconds ttl) : ttl_(ttl) {}

  // A new session id (oldest session evicted when full).
  std::string create(ScopeSet scopes, const std::string& token_id, Clock::time_point now);
  std::optional<ConsoleSession> find(const std::string& id, Clock::time_point now);
  void revoke(const std::string& id);
  [[nodiscard]] std::chrono::seconds ttl() const { return ttl_; }

 private:
  std::chrono::seconds ttl_;
  std::mutex mu_;
  std::unordered_map<std::string, ConsoleSession> sessions_;
};

}  // namespace chitin::gateway
