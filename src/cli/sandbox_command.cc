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
#include "sandbox/runner.h"
#include "sandbox/selftest.h"
#include "secrets/leak_scanner.h"
#include "sys/file_ops.h"
#include "tools/egress_run.h"

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
  out.granted = CHITIN_TRY(tools::grant_secrets(*out.store, names, "--secret"));
  return out;
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
  tools::add_secret_placeholders(granted->granted, policy);
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
  std::unique_ptr<tools::EgressRun> egress_run;
  if (!rules->empty()) {
    tools::EgressRunOptions egress_options;
    egress_options.rules = std::move(*rules);
    egress_options.allow_private_addresses = config.egress.dangerously_allow_private_addresses;
    egress_options.audit = log->get();
    egress_options.actor = "cli";
    egress_options.secrets = std::move(granted->granted);
    egress_options.stored_secrets = granted->stored;
    egress_options.privacy_cache_dir = paths->home + "/cache";
    egress_options.keys_dir = paths->keys_dir();
    auto started = tools::EgressRun::start(std::move(egress_options));
    if (!started) {
      print_error(started.error());
      return sandbox::kExitSetupFailed;
    }
    egress_run = std::move(*started);
    egress_run->apply_to(policy);
  }
  const auto start = std::chrono::steady_clock::now();
  auto outcome = sandbox::run_sandboxed_with_report(policy, sandbox::RunOptions{});
  const std::vector<std::string> used =
      egress_run ? egress_run->finish() : std::vector<std::string>();
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
