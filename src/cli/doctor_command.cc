// `chitin doctor [--json] [--fix]`: audit this installation.

#include <fmt/core.h>

#include <CLI/CLI.hpp>

#include "audit/log.h"
#include "cli/command.h"
#include "cli/version.h"
#include "doctor/doctor.h"

namespace chitin::cli {

namespace {

struct DoctorArguments {
  bool json = false;
  bool fix = false;
  std::string openclaw;
};

// The fixes are configuration changes: they go into the audit trail (critical, so durable
// before we report them).
Result<void> audit_fixes(const config::StatePaths& paths, const doctor::FixOutcome& fixes) {
  const config::Config config = CHITIN_TRY(config::load_config(paths.config_file()));
  auto log = CHITIN_TRY(audit::open_installation_log(paths, config));
  CHITIN_TRY((log->append(audit::Event{
      "config.doctor_fix", "cli", "", {{"fixed", fixes.fixed}, {"backup", fixes.backup_file}}})));
  return log->close();
}

int run_doctor(const CommandContext& context, const DoctorArguments& args) {
  if (!args.openclaw.empty()) {
    print_error(
        "doctor --openclaw is not available in this build yet (it arrives with the rest "
        "of issue #10); nothing was done");
    return kExitUsage;
  }
  const auto paths = initialised_paths(context);
  if (!paths) {
    return kExitUsage;
  }
  doctor::Options options;
  options.version = std::string(kVersion);
  auto report = doctor::run_doctor(*paths, options);
  if (!report) {
    print_error(report.error());
    return kExitProblem;
  }
  if (args.fix) {
    auto fixes = doctor::apply_fixes(*paths, *report);
    if (!fixes) {
      print_error(fixes.error());
      return kExitProblem;
    }
    if (!fixes->fixed.empty()) {
      if (auto audited = audit_fixes(*paths, *fixes); !audited) {
        // The fixes are done (and their backup written); say plainly they are not on record.
        print_error(fmt::format("the fixes were applied but could not be audited: {}",
                                audited.error().describe()));
      }
      for (const std::string& line : fixes->fixed) {
        fmt::print(stderr, "fixed: {}\n", line);
      }
      fmt::print(stderr, "previous modes saved in {}\n", fixes->backup_file);
      report = doctor::run_doctor(*paths, options);  // report what is left
      if (!report) {
        print_error(report.error());
        return kExitProblem;
      }
    }
  }
  if (args.json) {
    fmt::print("{}\n", report->to_json().dump());
  } else {
    fmt::print("{}", report->to_text());
  }
  return report->has_critical() ? kExitProblem : kExitOk;
}

}  // namespace

void add_doctor_command(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<DoctorArguments>();
  CLI::App* doctor = app.add_subcommand(
      "doctor",
      "Audit this installation: permissions, privilege, config, audit chain, sandbox tier, "
      "plaintext secrets. Exit 1 on any critical finding.");
  doctor->group("Commands");
  doctor->add_flag("--json", args->json, "Print the findings as JSON");
  doctor->add_flag("--fix", args->fix,
                   "Apply safe, reversible fixes (permissions); previous modes are saved");
  doctor->add_option("--openclaw", args->openclaw, "Audit an OpenClaw installation (coming)");
  doctor->callback([&context, args] { context.exit_code = run_doctor(context, *args); });
}

}  // namespace chitin::cli
