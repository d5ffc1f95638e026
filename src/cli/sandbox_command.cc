// `chitin sandbox run` and `chitin sandbox selftest`.

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <ctime>

#include <CLI/CLI.hpp>

#include "audit/log.h"
#include "cli/command.h"
#include "cli/secrets_access.h"
#include "config/config.h"
#include "config/state_dir.h"
#include "egress/local_ca.h"
#include "egress/proxy.h"
#include "sandbox/runner.h"
#include "sandbox/selftest.h"
#include "secrets/leak_scanner.h"
#include "sys/file_ops.h"

namespace chitin::cli {

namespace {

struct RunArguments {
  std::string workspace;
  std::vector<std::string> read_only;
  std::vector<std::string> read_write;
  std::vector<std::string> env;
  std::vector<std::string> allow_hosts;
  std::vector<std::string> secrets;
  std::uint64_t timeout_s = 0;
  std::uint64_t memory_mb = 0;
  std::uint64_t pids = 0;
  std::vector<std::string> command;
};

// Paths given on the command line are made absolute against the current directory.
std::string absolute(const std::string& path) {
  if (path.empty() || path.front() == '/') {
    return path;
  }
  char cwd[4096];
  if (::getcwd(cwd, sizeof(cwd)) == nullptr) {
    return path;
  }
  return std::string(cwd) + "/" + path;
}

// The state directory holds the keys (audit, secrets store, egress CA) and the encrypted
// store: none of it may be visible inside a sandbox, so a workspace or extra path that
// contains it, or lies inside it, is refused (paths compared after resolving symlinks).
Result<void> keep_state_out(const config::StatePaths& paths, const sandbox::SandboxPolicy& policy) {
  const auto real = [](const std::string& path) {
    char resolved[PATH_MAX];
    return ::realpath(path.c_str(), resolved) != nullptr ? std::string(resolved) : path;
  };
  const std::string home = real(paths.home);
  const auto overlaps = [&](const std::string& path) {
    const std::string p = real(path);
    const auto within = [](const std::string& inner, const std::string& outer) {
      return inner == outer || outer == "/" || inner.starts_with(outer + "/");
    };
    return within(home, p) || within(p, home);
  };
  std::vector<std::string> paths_in_run = {policy.workspace};
  paths_in_run.insert(paths_in_run.end(), policy.read_only.begin(), policy.read_only.end());
  paths_in_run.insert(paths_in_run.end(), policy.read_write.begin(), policy.read_write.end());
  for (const std::string& path : paths_in_run) {
    if (overlaps(path)) {
      return fail(ErrorCode::kPermission,
                  "{} overlaps the state directory {} (its keys and secrets store would be "
                  "visible in the sandbox); run from another directory or pass --workspace",
                  path, home);
    }
  }
  return {};
}

// What a run gets from the secrets store: the secrets it was granted (--secret) and a leak
// scanner over every stored value.
struct SecretsForRun {
  std::optional<secrets::Store> store;
  std::vector<egress::GrantedSecret> granted;
  std::shared_ptr<const secrets::LeakScanner> stored;
};

Result<SecretsForRun> secrets_for_run(const config::StatePaths& paths,
                                      const std::vector<std::string>& names) {
  SecretsForRun out;
  const secrets::StoreFiles files = store_files(paths);
  if (!CHITIN_TRY(secrets::Store::exists(files))) {
    if (!names.empty()) {
      return fail(ErrorCode::kNotFound,
                  "--secret {}: there is no secrets store yet ('chitin secrets set' creates it)",
                  names.front());
    }
    return out;
  }
  if (names.empty()) {
    // Without grants, a passphrase-protected store is scanned only when CHITIN_PASSPHRASE is
    // set: a plain run must not stop to ask for it.
    const bool from_env = std::getenv("CHITIN_PASSPHRASE") != nullptr;
    if (!from_env &&
        CHITIN_TRY(secrets::Store::key_kind_of(files)) == secrets::KeyKind::kPassphrase) {
      return out;
    }
    auto store = secrets::Store::open(files, from_env ? secrets::PassphraseSource(store_passphrase)
                                                      : secrets::PassphraseSource());
    out.store = CHITIN_TRY(std::move(store));
  } else {
    out.store = CHITIN_TRY(open_store(paths));
  }
  std::vector<secrets::NamedValue> values;
  for (const secrets::Secret& secret : out.store->secrets()) {
    values.push_back({secret.name, secret.value});
  }
  out.stored = std::make_shared<const secrets::LeakScanner>(values);
  for (const std::string& name : names) {
    const secrets::Secret* secret = out.store->find(name);
    if (secret == nullptr) {
      return fail(ErrorCode::kNotFound,
                  "--secret {}: no such secret ('chitin secrets list' shows the stored ones)",
                  name);
    }
    if (secret->hosts.empty()) {
      return fail(ErrorCode::kInvalidInput,
                  "--secret {}: it is bound to no host, so it could be sent nowhere; bind it "
                  "with 'chitin secrets set {} --hosts HOST' (re-enter the value)",
                  name, name);
    }
    // Its variable must not replace one the run depends on, nor another granted secret's.
    const std::string variable = secrets::env_name(name);
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
    const bool taken =
        std::find(std::begin(kReserved), std::end(kReserved), variable) != std::end(kReserved) ||
        variable.starts_with("LD_") ||
        std::any_of(out.granted.begin(), out.granted.end(),
                    [&](const auto& other) { return secrets::env_name(other.name) == variable; });
    if (taken) {
      return fail(ErrorCode::kInvalidInput,
                  "--secret {}: its variable {} is reserved for the run or taken by another "
                  "granted secret; store it under another name",
                  name, variable);
    }
    egress::GrantedSecret grant;
    grant.name = secret->name;
    grant.value = secret->value;
    grant.hosts = CHITIN_TRY(egress::parse_rules(secret->hosts));
    grant.header = secret->header;
    grant.format = secret->format;
    grant.body = secret->body;
    out.granted.push_back(std::move(grant));
  }
  return out;
}

// The CA bundle the sandbox trusts for a run with secrets: the system's roots plus the
// installation's local egress CA (created here for installations older than it).
Result<std::shared_ptr<egress::LocalCa>> write_ca_bundle(const config::StatePaths& paths,
                                                         const std::string& bundle) {
  const std::string key = paths.keys_dir() + "/egress-ca.key";
  const std::string cert = paths.keys_dir() + "/egress-ca.pem";
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

int run_sandbox(const CommandContext& context, const RunArguments& args) {
  // Every tool run is audited, so it needs an initialised state directory and a writable
  // audit log; without them nothing runs.
  const auto state = load_state(context);
  if (!state) {
    return kExitUsage;
  }
  const config::Config& config = state->config;
  const config::StatePaths* paths = &state->paths;
  sandbox::SandboxPolicy policy = sandbox::default_policy();
  policy.argv = args.command;
  policy.workspace = absolute(args.workspace.empty() ? "." : args.workspace);
  while (policy.workspace.size() > 1 && policy.workspace.ends_with('/')) {
    policy.workspace.pop_back();
  }
  if (policy.workspace.ends_with("/.")) {
    policy.workspace.resize(policy.workspace.size() - 2);
  }
  for (const std::string& path : args.read_only) {
    policy.read_only.push_back(absolute(path));
  }
  for (const std::string& path : args.read_write) {
    policy.read_write.push_back(absolute(path));
  }
  // Nothing of the caller's environment enters unless named.
  policy.env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/sandbox", "LANG=C.UTF-8",
                "USER=sandbox"};
  for (const std::string& entry : args.env) {
    std::string assignment = entry;
    if (entry.find('=') == std::string::npos) {
      const char* value = std::getenv(entry.c_str());
      if (value == nullptr) {
        print_error(fmt::format("--env {}: the variable is not set in this environment", entry));
        return kExitUsage;
      }
      assignment = entry + "=" + value;
    }
    const std::string name = assignment.substr(0, assignment.find('='));
    std::erase_if(policy.env, [&](const std::string& e) { return e.starts_with(name + "="); });
    policy.env.push_back(assignment);
  }
  policy.timeout_ms = (args.timeout_s != 0 ? args.timeout_s
                                           : static_cast<std::uint64_t>(config.sandbox.timeout_s)) *
                      1000;
  policy.memory_mb =
      args.memory_mb != 0 ? args.memory_mb : static_cast<std::uint64_t>(config.sandbox.memory_mb);
  policy.pids_max =
      args.pids != 0 ? args.pids : static_cast<std::uint64_t>(config.sandbox.pids_max);
  policy.tmp_mb = static_cast<std::uint64_t>(config.sandbox.tmp_mb);
  if (auto valid = sandbox::validate_policy(policy); !valid) {
    print_error(valid.error());
    return kExitUsage;
  }
  if (auto apart = keep_state_out(*paths, policy); !apart) {
    print_error(apart.error());
    return kExitUsage;
  }
  auto granted = secrets_for_run(*paths, args.secrets);
  if (!granted) {
    print_error(granted.error());
    return exit_code_for(granted.error());
  }
  // A granted secret reaches the tool only as its placeholder, in a variable named after it.
  for (const egress::GrantedSecret& grant : granted->granted) {
    const std::string name = secrets::env_name(grant.name);
    std::erase_if(policy.env, [&](const std::string& e) { return e.starts_with(name + "="); });
    policy.env.push_back(name + "=" + secrets::placeholder(grant.name));
  }
  auto log = audit::open_installation_log(*paths, config);
  if (!log) {
    print_error(
        fmt::format("the audit log cannot be opened, so nothing runs: {}", log.error().describe()));
    return sandbox::kExitSetupFailed;
  }
  if (granted->stored && !granted->stored->empty()) {
    // Whatever a run's events carry (a host name, a reason), stored values never reach the log.
    (*log)->set_redactor(
        [scanner = granted->stored](std::string_view text) { return scanner->redact(text); });
  }
  std::string joined;
  for (const std::string& arg : policy.argv) {
    joined += arg;
    joined.push_back('\0');
  }
  // The program is recorded; its arguments only as a count and a fingerprint (they may hold
  // personal data or secrets).
  const nlohmann::json details{
      {"program", policy.argv[0]},      {"secrets", args.secrets},
      {"args", policy.argv.size() - 1}, {"argv_fingerprint", audit::fingerprint(joined)},
      {"workspace", policy.workspace},  {"timeout_ms", policy.timeout_ms},
      {"memory_mb", policy.memory_mb},  {"pids_max", policy.pids_max}};
  if (auto recorded = (*log)->append(audit::Event{"tool.exec", "cli", "", details}); !recorded) {
    print_error(recorded.error());
    return sandbox::kExitSetupFailed;
  }
  // Egress: only through the policy proxy, and only when something is allow-listed.
  std::vector<std::string> rule_texts = config.egress.allow;
  rule_texts.insert(rule_texts.end(), args.allow_hosts.begin(), args.allow_hosts.end());
  // A granted secret opens its bound hosts for this run.
  for (const std::string& name : args.secrets) {
    const auto& hosts = granted->store->find(name)->hosts;
    rule_texts.insert(rule_texts.end(), hosts.begin(), hosts.end());
  }
  auto rules = egress::parse_rules(rule_texts);
  if (!rules) {
    print_error(fmt::format("--allow-host: {}", rules.error().message));
    return kExitUsage;
  }
  std::unique_ptr<egress::EgressProxy> proxy;
  std::string proxy_dir;
  if (!rules->empty()) {
    proxy_dir = "/tmp/chitin-egress-XXXXXX";
    if (::mkdtemp(proxy_dir.data()) == nullptr) {
      print_error("cannot create a directory for the egress proxy socket");
      return sandbox::kExitSetupFailed;
    }
    egress::ProxyOptions proxy_options;
    proxy_options.socket_path = proxy_dir + "/egress.sock";
    proxy_options.rules = std::move(*rules);
    proxy_options.allow_private_addresses = config.egress.dangerously_allow_private_addresses;
    proxy_options.audit = log->get();
    proxy_options.actor = "egress:cli";
    proxy_options.secrets = std::move(granted->granted);
    proxy_options.stored_secrets = granted->stored;
    proxy_options.privacy_cache_dir = paths->home + "/cache";
    if (!proxy_options.secrets.empty()) {
      auto ca = write_ca_bundle(*paths, proxy_dir + "/ca-bundle.pem");
      if (!ca) {
        print_error(ca.error());
        ::rmdir(proxy_dir.c_str());
        return sandbox::kExitSetupFailed;
      }
      proxy_options.ca = std::move(*ca);
      policy.ca_bundle = proxy_dir + "/ca-bundle.pem";
      const std::string bundle(sandbox::kCaBundleInSandbox);
      for (const char* name : {"SSL_CERT_FILE", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE",
                               "GIT_SSL_CAINFO", "NODE_EXTRA_CA_CERTS"}) {
        policy.env.push_back(fmt::format("{}={}", name, bundle));
      }
    }
    auto started = egress::EgressProxy::start(std::move(proxy_options));
    if (!started) {
      print_error(started.error());
      ::unlink((proxy_dir + "/ca-bundle.pem").c_str());
      ::rmdir(proxy_dir.c_str());
      return sandbox::kExitSetupFailed;
    }
    proxy = std::move(*started);
    policy.proxy_socket = proxy->socket_path();
    const std::string url = fmt::format("http://127.0.0.1:{}", sandbox::kProxyBridgePort);
    for (const char* name : {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"}) {
      policy.env.push_back(fmt::format("{}={}", name, url));
    }
  }
  const auto start = std::chrono::steady_clock::now();
  auto outcome = sandbox::run_sandboxed_with_report(policy, sandbox::RunOptions{});
  std::vector<std::string> used;
  if (proxy) {
    proxy->stop();
    used = proxy->used_secrets();
    ::unlink((proxy_dir + "/ca-bundle.pem").c_str());
    ::rmdir(proxy_dir.c_str());
  }
  if (!used.empty()) {
    if (auto marked = granted->store->mark_used(used, std::time(nullptr)); !marked) {
      print_error(fmt::format("warning: could not record when secrets were last used: {}",
                              marked.error().describe()));
    }
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - start)
                           .count();
  const int exit_code = outcome ? outcome->exit_code : sandbox::kExitSetupFailed;
  if (!outcome) {
    print_error(outcome.error());
  } else {
    for (const std::string& line : outcome->quarantined) {
      (void)(*log)->append(audit::Event{"sandbox.quarantine", "cli", "", {{"what", line}}});
    }
  }
  (void)(*log)->append(audit::Event{"tool.exit",
                                    "cli",
                                    "",
                                    {{"program", policy.argv[0]},
                                     {"exit", exit_code},
                                     {"duration_ms", elapsed},
                                     {"limits", outcome ? outcome->limits : std::string()}}});
  if (auto closed = (*log)->close(); !closed) {
    print_error(closed.error());
  }
  return exit_code;
}

int run_selftest(bool json) {
  auto report = sandbox::run_selftest(sandbox::RunOptions{});
  if (!report) {
    print_error(report.error());
    return kExitProblem;
  }
  if (json) {
    fmt::print("{}\n", report->to_json().dump());
  } else {
    fmt::print("{}", report->to_text());
  }
  return report->ok() ? kExitOk : kExitProblem;
}

}  // namespace

void add_sandbox_command(CLI::App& app, CommandContext& context) {
  CLI::App* sandbox = app.add_subcommand("sandbox", "Run commands in the sandbox; selftest.");
  sandbox->group("Commands");
  sandbox->require_subcommand(1);

  auto args = std::make_shared<RunArguments>();
  CLI::App* run = sandbox->add_subcommand(
      "run",
      "Run CMD in a fresh sandbox: the workspace read-write at /workspace, system directories "
      "read-only, no host home, network only to allow-listed hosts through the egress proxy. "
      "Exit status: the command's; 124 timeout; 125 the sandbox could not be set up.");
  run->add_option("--workspace", args->workspace, "Workspace directory (default: .)");
  // One value per flag (allow_extra_args(false)), so `--env A -- cmd -c x` stays unambiguous.
  run->add_option("--ro", args->read_only, "Extra host path, read-only (repeatable)")
      ->allow_extra_args(false);
  run->add_option("--rw", args->read_write, "Extra host path, read-write (repeatable)")
      ->allow_extra_args(false);
  run->add_option("--env", args->env,
                  "NAME=VALUE, or NAME to pass the caller's value (repeatable); nothing else "
                  "of the caller's environment enters")
      ->allow_extra_args(false);
  run->add_option("--allow-host", args->allow_hosts,
                  "Let the command reach HOST[:PORT] (or *.domain) through the egress proxy "
                  "(repeatable; added to egress.allow). IP addresses need IP:PORT.")
      ->allow_extra_args(false);
  run->add_option("--secret", args->secrets,
                  "Grant a stored secret: the command sees only its placeholder "
                  "(chitin-secret://NAME in $NAME), the egress proxy puts the value into "
                  "requests to the secret's bound hosts, which this run may reach (repeatable)")
      ->allow_extra_args(false);
  run->add_option("--timeout", args->timeout_s, "Wall-clock limit in seconds")
      ->check(CLI::Range(1, 86400));
  run->add_option("--memory", args->memory_mb, "Memory limit in MiB")
      ->check(CLI::Range(16, 1048576));
  run->add_option("--pids", args->pids, "Most processes at once")->check(CLI::Range(1, 65536));
  run->add_option("command", args->command, "CMD [ARGS...] (after --)")->required();
  run->callback([&context, args] { context.exit_code = run_sandbox(context, *args); });

  auto json = std::make_shared<bool>(false);
  CLI::App* selftest = sandbox->add_subcommand(
      "selftest",
      "Probe user namespaces, Landlock, seccomp and cgroups, report the tier, run escape "
      "probes. Exit 0 only at tier T1 with every probe passing.");
  selftest->add_flag("--json", *json, "Print the report as JSON");
  selftest->callback([&context, json] { context.exit_code = run_selftest(*json); });
}

}  // namespace chitin::cli
