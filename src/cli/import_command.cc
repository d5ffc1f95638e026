// `chitin import-openclaw DIR [--dry-run] [--json]`: moves an OpenClaw installation into
// this Chitin installation (doctor/openclaw_import.h) and reports what was taken, changed
// and dropped.

#include <fmt/core.h>

#include <CLI/CLI.hpp>

#include "audit/log.h"
#include "cli/command.h"
#include "cli/secrets_access.h"
#include "doctor/openclaw_import.h"
#include "privacy/detector.h"

namespace chitin::cli {

namespace {

struct ImportArguments {
  std::string dir;
  bool dry_run = false;
  bool json = false;
};

void print_lines(const std::vector<doctor::ImportLine>& lines) {
  for (const doctor::ImportLine& line : lines) {
    fmt::print("  {} {}: {}\n", doctor::to_string(line.action), line.what, line.why);
  }
}

int run_import(const CommandContext& context, const ImportArguments& args) {
  const auto state = load_state(context);
  if (!state) {
    return kExitUsage;
  }
  doctor::ImportContext import_context;
  import_context.current = state->config;
  // Names already stored are kept, never overwritten; a store that cannot be opened (no
  // passphrase given) is an error for a real import, a note for a dry run.
  std::optional<secrets::Store> store;
  if (auto exists = secrets::Store::exists(store_files(state->paths)); exists && *exists) {
    auto opened = open_store(state->paths);
    if (opened) {
      store = std::move(*opened);
      for (const secrets::Secret& secret : store->secrets()) {
        import_context.existing_secrets.push_back(secret.name);
      }
    } else if (!args.dry_run) {
      print_error(opened.error());
      return exit_code_for(opened.error());
    }
  }
  privacy::DetectorOptions detector_options;
  detector_options.cache_dir = detector_cache_dir(context);
  auto detector = privacy::Detector::create(std::move(detector_options));
  if (!detector) {
    print_error(detector.error());
    return kExitProblem;
  }
  import_context.shapes = detector->get();
  auto plan = doctor::plan_openclaw_import(args.dir, import_context);
  if (!plan) {
    print_error(plan.error());
    return exit_code_for(plan.error());
  }
  if (args.dry_run) {
    if (args.json) {
      fmt::print("{}\n", plan->report_json().dump(-1, ' ', false,
                                                  nlohmann::json::error_handler_t::replace));
    } else {
      fmt::print(
          "{}dry run: nothing was written; {} secret(s), {} file(s) and {} skill(s) "
          "would be imported\n",
          plan->report_text(), plan->secrets.size(), plan->files.size(), plan->skills.size());
    }
    return kExitOk;
  }
  if (!store) {
    auto created = open_or_create_store(state->paths);
    if (!created) {
      print_error(created.error());
      return exit_code_for(created.error());
    }
    store = std::move(*created);
  }
  auto scanner = skills::Scanner::create();
  if (!scanner) {
    print_error(scanner.error());
    return kExitProblem;
  }
  auto log = audit::open_installation_log(state->paths, state->config);
  if (!log) {
    print_error(log.error());
    return kExitProblem;
  }
  auto outcome = doctor::apply_openclaw_import(*plan, state->paths, *store, **log, *scanner);
  auto closed = (*log)->close();
  if (!outcome) {
    print_error(outcome.error());
    return exit_code_for(outcome.error());
  }
  if (!closed) {
    print_error(closed.error());
    return kExitProblem;
  }
  if (args.json) {
    nlohmann::json report = plan->report_json();
    for (const doctor::ImportLine& line : outcome->lines) {
      report["report"].push_back(
          {{"action", doctor::to_string(line.action)}, {"what", line.what}, {"why", line.why}});
    }
    report["stored"] = {{"secrets", outcome->secrets_stored},
                        {"files", outcome->files_written},
                        {"skills", outcome->skills_installed}};
    fmt::print("{}\n", report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return kExitOk;
  }
  fmt::print("{}", plan->report_text());
  if (!outcome->lines.empty()) {
    fmt::print("while applying:\n");
    print_lines(outcome->lines);
  }
  fmt::print(
      "imported from {}: {} secret(s) into the encrypted store, {} workspace file(s), {} "
      "skill(s); channel, tool and exec policy in {}/import/openclaw-policy.json\n"
      "next: chitin doctor, then chitin gateway. OpenClaw's own files were not changed: "
      "rotate any credential that sat in plaintext there.\n",
      plan->source, outcome->secrets_stored, outcome->files_written, outcome->skills_installed,
      state->paths.home);
  return kExitOk;
}

}  // namespace

void add_import_command(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<ImportArguments>();
  CLI::App* command = app.add_subcommand(
      "import-openclaw",
      "Import an OpenClaw installation: gateway (always loopback + token), models, secrets "
      "(into the encrypted store), workspace files, skills (scanned; unsigned ones "
      "quarantined), channel/tool/exec policy (re-validated)");
  command->group("Commands");
  command->add_option("DIR", args->dir, "The OpenClaw state directory (usually ~/.openclaw)")
      ->required();
  command->add_flag("--dry-run", args->dry_run, "Show what would be imported; write nothing");
  command->add_flag("--json", args->json, "Print the report as JSON");
  command->callback([&context, args] { context.exit_code = run_import(context, *args); });
}

}  // namespace chitin::cli
