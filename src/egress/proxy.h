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
#include <optional>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "audit/log.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "egress/inspect.h"
#include "egress/local_ca.h"
#include "egress/rules.h"
#include "privacy/detector.h"
#include "secrets/leak_scanner.h"

namespace chitin::egress {

struct ProxyOptions {
  std::string socket_path;  // created here, mode 0600; must not exist
  std::vector<Rule> rules;
  bool allow_private_addresses = false;  // config egress.dangerously_allow_private_addresses
  audit::AuditLog* audit = nullptr;      // required: decisions that cannot be audited are denied
  std::string actor = "egress";
  std::string session;
  // Secrets (docs/secrets.md). Granted secrets replace their placeholders on the way to their
  // bound hosts; when any is granted, every CONNECT tunnel is intercepted with `ca` so that
  // HTTPS requests can be inspected too. Requests the proxy can read (plain HTTP, intercepted
  // HTTPS) are refused when they carry a stored value or a secret-shaped string.
  std::vector<GrantedSecret> secrets;
  std::shared_ptr<const secrets::LeakScanner> stored_secrets;  // every stored value
  std::shared_ptr<LocalCa> ca;
  std::string privacy_cache_dir;  // where the catalog's compiled patterns are cached
};

class EgressProxy {
 public:
  static Result<std::unique_ptr<EgressProxy>> start(ProxyOptions options);
  ~EgressProxy();
  EgressProxy(const EgressProxy&) = delete;
  EgressProxy& operator=(const EgressProxy&) = delete;

  void stop();
  [[nodiscard]] const std::string& socket_path() const { return options_.socket_path; }
  // Names of the granted secrets that were sent to a server.
  [[nodiscard]] std::vector<std::string> used_secrets();

 private:
  struct PrivateTag {};

 public:
  EgressProxy(PrivateTag tag, ProxyOptions options, UniqueFd listener, Pipe stop);

 private:
  void accept_loop();
  void serve(UniqueFd client);
  // Inspection of a readable request, with its audit events (secret.leak_blocked, secret.use).
  // `encrypted`: it goes out over TLS the proxy verifies (an intercepted tunnel).
  Result<Inspection> inspect(const ProxyRequest& request, std::string_view body,
                             std::uint16_t default_port, bool encrypted);
  Result<const privacy::Detector*> secret_shapes();

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
  SSL_CTX* upstream_ = nullptr;  // verifying TLS client context, when intercepting
  std::once_flag shapes_once_;
  std::unique_ptr<privacy::Detector> shapes_;  // built on first use
  std::optional<Error> shapes_error_;
  // At most this many requests are inspected at once (each can take ~100 MiB with its views).
  std::counting_semaphore<16> inspect_slots_{2};
  std::mutex used_mu_;
  std::vector<std::string> used_;  // guarded by used_mu_
};

}  // namespace chitin::egress
