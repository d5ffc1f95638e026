#include "tools/egress_run.h"

#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>

#include "egress/local_ca.h"
#include "sys/file_ops.h"

namespace chitin::tools {

namespace {

// The CA bundle a run with secrets trusts: the system's roots plus the installation's local
// egress CA (created here for installations older than it).
Result<std::shared_ptr<egress::LocalCa>> write_ca_bundle(const std::string& keys_dir,
                                                         const std::string& bundle) {
  const std::string key = keys_dir + "/egress-ca.key";
  const std::string cert = keys_dir + "/egress-ca.pem";
  CHITIN_TRY(egress::create_local_ca(key, cert));
  auto ca = CHITIN_TRY(egress::LocalCa::load(key, cert));
  std::string text;
  if (auto system = sys::read_regular_file("/etc/ssl/certs/ca-certificates.crt", 8U << 20)) {
    text = std::move(*system);
  }
  if (!text.empty() && !text.ends_with('\n')) {
    text.push_back('\n');
  }
  text += ca->certificate_pem();
  CHITIN_TRY(sys::write_file_atomic(bundle, text, 0644, sys::WriteMode::kReplace));
  return ca;
}

// Variables a granted secret may not take over.
bool reserved_variable(std::string_view variable) {
  static constexpr std::string_view kReserved[] = {"PATH",
                                                   "HOME",
                                                   "LANG",
                                                   "USER",
                                                   "HTTP_PROXY",
                                                   "HTTPS_PROXY",
                                                   "SSL_CERT_FILE",
                                                   "CURL_CA_BUNDLE",
                                                   "REQUESTS_CA_BUNDLE",
                                                   "GIT_SSL_CAINFO",
                                                   "NODE_EXTRA_CA_CERTS"};
  return std::find(std::begin(kReserved), std::end(kReserved), variable) != std::end(kReserved) ||
         variable.starts_with("LD_");
}

}  // namespace

Result<std::unique_ptr<EgressRun>> EgressRun::start(EgressRunOptions options) {
  if (options.audit == nullptr) {
    return fail(ErrorCode::kInvalidInput, "a run with network needs the audit log");
  }
  auto run = std::make_unique<EgressRun>(PrivateTag{});
  run->dir_ = "/tmp/chitin-egress-XXXXXX";
  if (::mkdtemp(run->dir_.data()) == nullptr) {
    run->dir_.clear();
    return errno_fail("create a directory for the egress proxy socket");
  }
  egress::ProxyOptions proxy;
  proxy.socket_path = run->dir_ + "/egress.sock";
  proxy.rules = std::move(options.rules);
  proxy.allow_private_addresses = options.allow_private_addresses;
  proxy.audit = options.audit;
  proxy.actor = "egress:" + options.actor;
  proxy.session = std::move(options.session);
  proxy.secrets = std::move(options.secrets);
  proxy.stored_secrets = std::move(options.stored_secrets);
  proxy.privacy_cache_dir = std::move(options.privacy_cache_dir);
  if (!proxy.secrets.empty()) {
    if (options.keys_dir.empty()) {
      return fail(ErrorCode::kInvalidInput, "a run with secrets needs the installation's keys");
    }
    run->ca_bundle_ = run->dir_ + "/ca-bundle.pem";
    proxy.ca = CHITIN_TRY(write_ca_bundle(options.keys_dir, run->ca_bundle_));
  }
  run->proxy_ = CHITIN_TRY(egress::EgressProxy::start(std::move(proxy)));
  return run;
}

EgressRun::~EgressRun() { (void)finish(); }

void EgressRun::apply_to(sandbox::SandboxPolicy& policy) const {
  policy.proxy_socket = proxy_->socket_path();
  const std::string url = fmt::format("http://127.0.0.1:{}", sandbox::kProxyBridgePort);
  for (const char* name : {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"}) {
    policy.env.push_back(fmt::format("{}={}", name, url));
  }
  if (!ca_bundle_.empty()) {
    policy.ca_bundle = ca_bundle_;
    for (const char* name : {"SSL_CERT_FILE", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE",
                             "GIT_SSL_CAINFO", "NODE_EXTRA_CA_CERTS"}) {
      policy.env.push_back(fmt::format("{}={}", name, sandbox::kCaBundleInSandbox));
    }
  }
}

std::vector<std::string> EgressRun::finish() {
  std::vector<std::string> used;
  if (proxy_) {
    proxy_->stop();
    used = proxy_->used_secrets();
    proxy_.reset();
  }
  if (!ca_bundle_.empty()) {
    ::unlink(ca_bundle_.c_str());
    ca_bundle_.clear();
  }
  if (!dir_.empty()) {
    ::rmdir(dir_.c_str());
    dir_.clear();
  }
  return used;
}

Result<std::vector<egress::GrantedSecret>> grant_secrets(const secrets::Store& store,
                                                         const std::vector<std::string>& names,
                                                         std::string_view what) {
  std::vector<egress::GrantedSecret> granted;
  for (const std::string& name : names) {
    const secrets::Secret* secret = store.find(name);
    if (secret == nullptr) {
      return fail(ErrorCode::kNotFound,
                  "{} {}: no such secret ('chitin secrets list' shows the stored ones)", what,
                  name);
    }
    if (secret->hosts.empty()) {
      return fail(ErrorCode::kInvalidInput,
                  "{} {}: it is bound to no host, so it could be sent nowhere; bind it "
                  "with 'chitin secrets set {} --hosts HOST' (re-enter the value)",
                  what, name, name);
    }
    // Its variable must not replace one the run depends on, nor another granted secret's.
    const std::string variable = secrets::env_name(name);
    if (reserved_variable(variable) ||
        std::any_of(granted.begin(), granted.end(),
                    [&](const auto& other) { return secrets::env_name(other.name) == variable; })) {
      return fail(ErrorCode::kInvalidInput,
                  "{} {}: its variable {} is reserved for the run or taken by another "
                  "granted secret; store it under another name",
                  what, name, variable);
    }
    egress::GrantedSecret grant;
    grant.name = secret->name;
    grant.value = secret->value;
    grant.hosts = CHITIN_TRY(egress::parse_rules(secret->hosts));
    grant.header = secret->header;
    grant.format = secret->format;
    grant.body = secret->body;
    granted.push_back(std::move(grant));
  }
  return granted;
}

void add_secret_placeholders(const std::vector<egress::GrantedSecret>& grants,
                             sandbox::SandboxPolicy& policy) {
  for (const egress::GrantedSecret& grant : grants) {
    const std::string name = secrets::env_name(grant.name);
    std::erase_if(policy.env, [&](const std::string& e) { return e.starts_with(name + "="); });
    policy.env.push_back(name + "=" + secrets::placeholder(grant.name));
  }
}

}  // namespace chitin::tools
