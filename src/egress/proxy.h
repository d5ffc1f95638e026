#pragma once
// The egress proxy: the only way out of a sandbox. Listens on a Unix socket that is bound into
// the sandbox (where a loopback bridge exposes it as 127.0.0.1:3128 for HTTP(S)_PROXY
// clients). Speaks HTTP CONNECT and absolute-form HTTP. Deny by default: a request passes
// only when its host matches an allow rule, a name resolves only to public addresses (or an
// exact IP:port rule names a literal), and, for CONNECT, the client's TLS SNI names the same
// host. The checked address is the one connected to (no second resolution, no DNS rebinding).
// Every decision is an audit event: egress.allow / egress.deny, and egress.close with bytes.
//
// Thread-safe; one thread per connection. stop() (or the destructor) closes everything.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "audit/log.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "egress/rules.h"

namespace chitin::egress {

struct ProxyOptions {
  std::string socket_path;  // created here, mode 0600; must not exist
  std::vector<Rule> rules;
  bool allow_private_addresses = false;  // config egress.dangerously_allow_private_addresses
  audit::AuditLog* audit = nullptr;      // required: decisions that cannot be audited are denied
  std::string actor = "egress";
  std::string session;
};

class EgressProxy {
 public:
  static Result<std::unique_ptr<EgressProxy>> start(ProxyOptions options);
  ~EgressProxy();
  EgressProxy(const EgressProxy&) = delete;
  EgressProxy& operator=(const EgressProxy&) = delete;

  void stop();
  [[nodiscard]] const std::string& socket_path() const { return options_.socket_path; }

 private:
  struct PrivateTag {};

 public:
  EgressProxy(PrivateTag tag, ProxyOptions options, UniqueFd listener, Pipe stop);

 private:
  void accept_loop();
  void serve(UniqueFd client);

  const ProxyOptions options_;
  UniqueFd listener_;
  Pipe stop_;  // written once by stop(): every poll loop watches the read end
  std::atomic<bool> stopped_{false};
  static constexpr std::size_t kMaxConnections = 64;  // per proxy, i.e. per sandbox run
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;  // shared with the thread, set when it ends
  };
  std::mutex mu_;
  std::vector<Worker> workers_;  // guarded by mu_
  std::thread acceptor_;
};

}  // namespace chitin::egress
