// `chitin doctor [--json] [--fix]`: audit this installation.

#include <fmt/core.h>

#include <cstdlib>

#include <CLI/CLI.hpp>

#include "audit/log.h"
#include "cli/command.h"
#include "cli/version.h"
#include "doctor/doctor.h"
#include "doctor/openclaw_audit.h"

namespace chitin::cli {

namespace {

struct DoctorArguments {
  bool json = false;
  bool fix = false;
  bool openclaw = false;
  std::string openclaw_dir;  // empty: ~/.openclaw
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

void print_report(const doctor::Report& report, bool json) {
  if (json) {
    fmt::print("{}\n",
               report.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    fmt::print("{}", report.to_text());
  }
}

void print_fixes(const doctor::FixOutcome& fixes) {
  for (const std::string& line : fixes.fixed) {
    fmt::print(stderr, "fixed: {}\n", line);
  }
  for (const std::string& line : fixes.skipped) {
    fmt::print(stderr, "not fixed: {}\n", line);
  }
  if (!fixes.backup_file.empty()) {
    fmt::print(stderr, "previous modes saved in {}\n", fixes.backup_file);
  }
}

// `doctor --openclaw`: works without a Chitin installation (people audit before moving).
int run_openclaw_doctor(const CommandContext& context, const DoctorArguments& args) {
  std::string dir = args.openclaw_dir;
  if (dir.empty()) {
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home != '/') {
      print_error("HOME is not set; name the OpenClaw state directory: doctor --openclaw DIR");
      return kExitUsage;
    }
    dir = std::string(home) + "/.openclaw";
  }
  while (dir.size() > 1 && dir.back() == '/') {
    dir.pop_back();
  }
  doctor::OpenClawOptions options;
  options.privacy_cache_dir = detector_cache_dir(context);
  auto report = doctor::audit_openclaw(dir, options);
  if (!report) {
    print_error(report.error());
    return exit_code_for(report.error());
  }
  if (args.fix) {
    auto fixes = doctor::apply_fixes(dir, *report);
    if (!fixes) {
      print_error(fixes.error());
      return kExitProblem;
    }
    print_fixes(*fixes);
    if (!fixes->fixed.empty()) {
      report = doctor::audit_openclaw(dir, options);
      if (!report) {
        print_error(report.error());
        return kExitProblem;
      }
    }
  }
  print_report(*report, args.json);
  return report->has_critical() ? kExitProblem : kExitOk;
}

int run_doctor(const CommandContext& context, const DoctorArguments& args) {
  if (args.openclaw) {
    return run_openclaw_doctor(context, args);
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
    auto fixes = doctor::apply_fixes(paths->home, *report);
    if (!fixes) {
      print_error(fixes.error());
      return kExitProblem;
    }
    print_fixes(*fixes);
    if (!fixes->fixed.empty()) {
      if (auto audited = audit_fixes(*paths, *fixes); !audited) {
        // The fixes are done (and their backup written); say plainly they are not on record.
        print_error(fmt::format("the fixes were applied but could not be audited: {}",
                                audited.error().describe()));
      }
      report = doctor::run_doctor(*paths, options);  // report what is left
      if (!report) {
        print_error(report.error());
        return kExitProblem;
      }
    }
  }
  print_report(*report, args.json);
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
  CLI::Option* openclaw =
      doctor
          ->add_option("--openclaw", args->openclaw_dir,
                       "Audit an OpenClaw installation offline instead: its state directory "
                       "(default ~/.openclaw). --fix then tightens its permissions")
          ->expected(0, 1);
  doctor->callback([&context, args, openclaw] {
    args->openclaw = openclaw->count() > 0;
    context.exit_code = run_doctor(context, *args);
  });
}

}  // namespace chitin::cli
