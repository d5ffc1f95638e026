#pragma once
// The egress side of one run: a per-run policy proxy on a Unix socket in a private directory,
// and what points a sandboxed run at it (the socket, the proxy variables, and, when secrets
// are granted, a CA bundle so that only this run trusts the proxy's TLS interception). Shared
// by `chitin sandbox run`, the agent's exec, skill runs and web_fetch.

#include <memory>
#include <string>
#include <vector>

#include "audit/log.h"
#include "base/result.h"
#include "egress/proxy.h"
#include "egress/rules.h"
#include "sandbox/policy.h"
#include "secrets/leak_scanner.h"
#include "secrets/store.h"

namespace chitin::tools {

struct EgressRunOptions {
  std::vector<egress::Rule> rules;
  bool allow_private_addresses = false;
  audit::AuditLog* audit = nullptr;  // required: decisions that cannot be audited are denied
  std::string actor;                 // recorded as "egress:<actor>"
  std::string session;
  std::string privacy_cache_dir;
  std::shared_ptr<const secrets::LeakScanner> stored_secrets;
  std::vector<egress::GrantedSecret> secrets;  // placeholders swapped on the way to their hosts
  std::string keys_dir;                        // holds the local egress CA; needed with secrets
};

class EgressRun {
 public:
  static Result<std::unique_ptr<EgressRun>> start(EgressRunOptions options);
  ~EgressRun();
  EgressRun(const EgressRun&) = delete;
  EgressRun& operator=(const EgressRun&) = delete;

  // Binds the proxy (and the CA bundle) into `policy` and sets the proxy variables.
  void apply_to(sandbox::SandboxPolicy& policy) const;
  [[nodiscard]] const std::string& socket_path() const { return proxy_->socket_path(); }
  // Stops the proxy and removes its directory; returns the granted secrets that were sent.
  std::vector<std::string> finish();

 private:
  struct PrivateTag {};

 public:
  explicit EgressRun(PrivateTag /*tag*/) {}

 private:
  std::string dir_;
  std::string ca_bundle_;  // empty without secrets
  std::unique_ptr<egress::EgressProxy> proxy_;
};

// The stored secrets `names` as grants for one run: each must exist, be bound to at least one
// host, and have a variable name that replaces nothing the run depends on. `what` starts each
// error ("--secret", "skill weather: secret").
Result<std::vector<egress::GrantedSecret>> grant_secrets(const secrets::Store& store,
                                                         const std::vector<std::string>& names,
                                                         std::string_view what);

// Each grant's variable set to its placeholder: the tool sees only that, never the value.
void add_secret_placeholders(const std::vector<egress::GrantedSecret>& grants,
                             sandbox::SandboxPolicy& policy);

}  // namespace chitin::tools
