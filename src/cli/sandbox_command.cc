// `chitin sandbox run` and `chitin sandbox selftest`.

#include <fmt/core.h>
#include <unistd.h>

#include <cstdlib>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "config/config.h"
#include "config/state_dir.h"
#include "sandbox/runner.h"
#include "sandbox/selftest.h"

namespace chitin::cli {

namespace {

struct RunArguments {
  std::string workspace;
  std::vector<std::string> read_only;
  std::vector<std::string> read_write;
  std::vector<std::string> env;
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

// Config limits apply when the state directory exists; otherwise the built-in defaults.
config::Config effective_config(const CommandContext& context) {
  auto paths = config::resolve_state_paths(context.global.home);
  if (paths) {
    if (auto config = config::load_config(paths->config_file())) {
      return *config;
    }
  }
  return config::Config{};
}

int run_sandbox(const CommandContext& context, const RunArguments& args) {
  const config::Config config = effective_config(context);
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
  auto code = sandbox::run_sandboxed(policy, sandbox::RunOptions{});
  if (!code) {
    print_error(code.error());
    return sandbox::kExitSetupFailed;
  }
  return *code;
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
      "read-only, no network, no host home. Exit status: the command's; 124 timeout; 125 the "
      "sandbox could not be set up.");
  run->add_option("--workspace", args->workspace, "Workspace directory (default: .)");
  run->add_option("--ro", args->read_only, "Extra host path, read-only (repeatable)");
  run->add_option("--rw", args->read_write, "Extra host path, read-write (repeatable)");
  run->add_option("--env", args->env,
                  "NAME=VALUE, or NAME to pass the caller's value (repeatable); nothing else "
                  "of the caller's environment enters");
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
