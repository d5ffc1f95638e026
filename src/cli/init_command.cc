// `chitin init`: creates the state directory with secure defaults.

#include <fmt/core.h>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "config/state_dir.h"

namespace chitin::cli {

namespace {

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
  if (!report->changed()) {
    fmt::print("{} is already initialised; nothing changed.\n", paths->home);
    return kExitOk;
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
      "Create the state directory (0700) with chitin.toml, a gateway token and the audit key "
      "pair. Idempotent: never replaces existing files.");
  init->group("Commands");
  init->callback([&context] { context.exit_code = run_init(context); });
}

}  // namespace chitin::cli
