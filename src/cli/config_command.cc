// `chitin config show` and `chitin config check FILE`.

#include <fmt/core.h>

#include <CLI/CLI.hpp>

#include "base/log.h"
#include "cli/command.h"
#include "config/config.h"
#include "config/state_dir.h"

namespace chitin::cli {

namespace {

int run_show(const CommandContext& context) {
  const auto state = load_state(context);
  if (!state) {
    return kExitUsage;
  }
  fmt::print("# effective configuration from {}\n{}", state->paths.config_file(),
             config::render_config(state->config, false));
  return kExitOk;
}

int run_check(const std::string& file) {
  auto config = config::load_config(file);
  if (!config) {
    print_error(config.error());
    // A file that could not be read is a usage error; one that was read and is wrong is a
    // failed check.
    return config.error().code == ErrorCode::kInvalidInput ? kExitProblem
                                                           : exit_code_for(config.error());
  }
  warn_dangerous(*config);
  fmt::print("{}: ok\n", file);
  return kExitOk;
}

}  // namespace

void add_config_command(CLI::App& app, CommandContext& context) {
  CLI::App* config = app.add_subcommand("config", "Show or check the configuration.");
  config->group("Commands");
  config->require_subcommand(1);

  CLI::App* show = config->add_subcommand(
      "show", "Print the effective configuration (no secret is ever part of it).");
  show->callback([&context] { context.exit_code = run_show(context); });

  CLI::App* check = config->add_subcommand(
      "check", "Validate a chitin.toml: exit 0 if valid, 1 with file:line:key for each problem.");
  auto file = std::make_shared<std::string>();
  check->add_option("FILE", *file, "The file to check")->required();
  check->callback([&context, file] { context.exit_code = run_check(*file); });
}

}  // namespace chitin::cli
