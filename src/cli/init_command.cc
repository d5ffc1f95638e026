// `chitin init`: creates the state directory with secure defaults.

#include <fmt/core.h>

#include <cstdlib>

#include <CLI/CLI.hpp>

#include "audit/log.h"
#include "cli/command.h"
#include "cli/secrets_access.h"
#include "config/config.h"
#include "config/state_dir.h"
#include "egress/local_ca.h"
#include "secrets/store.h"
#include "sys/file_ops.h"

namespace chitin::cli {

namespace {

// Records what init created in the audit log (critical: fsynced before init reports success).
// The first init also creates the log itself, with its signed genesis checkpoint.
Result<void> audit_init(const config::StatePaths& paths, const config::InitReport& report) {
  const config::Config config = CHITIN_TRY(config::load_config(paths.config_file()));
  auto log = CHITIN_TRY(audit::open_installation_log(paths, config));
  const auto relative = [&](const std::vector<std::string>& list) {
    nlohmann::json out = nlohmann::json::array();
    for (const std::string& path : list) {
      out.push_back(path.size() > paths.home.size() ? path.substr(paths.home.size() + 1) : ".");
    }
    return out;
  };
  CHITIN_TRY(log->append(audit::Event{
      "config.init",
      "cli",
      "",
      {{"created", relative(report.created)}, {"tightened", relative(report.tightened)}}}));
  return log->close();
}

// The secrets store, empty: protected by CHITIN_PASSPHRASE (Argon2id) when it is set, else by
// a new key file.
Result<void> init_secrets(const config::StatePaths& paths, config::InitReport& report) {
  const secrets::StoreFiles files = store_files(paths);
  if (CHITIN_TRY(secrets::Store::exists(files))) {
    return {};
  }
  const bool had_key = CHITIN_TRY(sys::status_if_exists(files.key_file)).has_value();
  std::optional<std::string> passphrase;
  if (const char* phrase = std::getenv("CHITIN_PASSPHRASE"); phrase != nullptr) {
    passphrase = phrase;
  }
  CHITIN_TRY(secrets::Store::create(files, passphrase));
  report.created.push_back(files.store());
  if (!passphrase && !had_key) {
    report.created.push_back(files.key_file);
  }
  return {};
}

// The local CA the egress proxy uses to inspect HTTPS of runs that hold secrets.
Result<void> init_egress_ca(const config::StatePaths& paths, config::InitReport& report) {
  const std::string key = paths.keys_dir() + "/egress-ca.key";
  if (CHITIN_TRY(egress::create_local_ca(key, paths.keys_dir() + "/egress-ca.pem"))) {
    report.created.push_back(key);
    report.created.push_back(paths.keys_dir() + "/egress-ca.pem");
  }
  return {};
}

int run_init(const CommandContext& context) {
  auto paths = config::resolve_state_paths(context.global.home);
  if (!paths) {
    print_error(paths.error());
    return kExitUsage;
  }
  auto report = config::init_state_dir(*paths);
  if (!report) {
    print_error(report.error());
    return exit_code_for(report.error());
  }
  if (auto secrets = init_secrets(*paths, *report); !secrets) {
    print_error(secrets.error());
    return exit_code_for(secrets.error());
  }
  if (auto ca = init_egress_ca(*paths, *report); !ca) {
    print_error(ca.error());
    return exit_code_for(ca.error());
  }
  if (!report->changed()) {
    fmt::print("{} is already initialised; nothing changed.\n", paths->home);
    return kExitOk;
  }
  if (auto audited = audit_init(*paths, *report); !audited) {
    print_error(audited.error());
    return kExitProblem;
  }
  for (const std::string& path : report->created) {
    fmt::print("created    {}\n", path);
  }
  for (const std::string& path : report->tightened) {
    fmt::print("tightened  {} (now 0700)\n", path);
  }
  fmt::print("Chitin state directory ready at {}.\n", paths->home);
  return kExitOk;
}

}  // namespace

void add_init_command(CLI::App& app, CommandContext& context) {
  CLI::App* init = app.add_subcommand(
      "init",
      "Create the state directory (0700) with chitin.toml, a gateway token, the audit key "
      "pair, the encrypted secrets store (CHITIN_PASSPHRASE set: protected by it) and the "
      "local egress CA. Idempotent: never replaces existing files.");
  init->group("Commands");
  init->callback([&context] { context.exit_code = run_init(context); });
}

}  // namespace chitin::cli
