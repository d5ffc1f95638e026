// `chitin`: the command-line entry point. Parses, dispatches to a command, maps the outcome
// to an exit code. CLI11 reports parse errors by throwing; they are caught here, at the
// adapter boundary, and turned into one clear line and exit code 2.

#include <signal.h>

#include <CLI/CLI.hpp>

#include "base/log.h"
#include "cli/command.h"
#include "cli/version.h"

int main(int argc, char** argv) {
  using chitin::cli::CommandContext;
  // Writes to a closed pipe (e.g. `chitin audit tail | head`) must fail with EPIPE, not kill us.
  signal(SIGPIPE, SIG_IGN);

  CommandContext context;
  CLI::App app{
      "Chitin: a secure-by-default agent runtime (sandboxed tools, signed skills, local-only "
      "gateway, privacy filter, tamper-evident audit log).",
      "chitin"};
  app.set_version_flag("--version", std::string("chitin ") + std::string(chitin::kVersion));
  app.add_option("--home", context.global.home,
                 "State directory (default: $CHITIN_HOME, else ~/.chitin)");
  app.add_option("--log-level", context.global.log_level, "Diagnostic log level")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 success, 1 the operation found a problem, 2 usage or input error.\n"
      "Run 'chitin COMMAND --help' for the options of one command.");

  chitin::cli::add_init_command(app, context);
  chitin::cli::add_config_command(app, context);
  chitin::cli::add_audit_command(app, context);
  chitin::cli::add_sandbox_command(app, context);
  chitin::cli::add_doctor_command(app, context);
  chitin::cli::add_skill_command(app, context);
  chitin::cli::add_gateway_command(app, context);
  chitin::cli::add_approvals_command(app, context);
  chitin::cli::add_privacy_command(app, context);
  chitin::cli::add_secrets_command(app, context);
  chitin::cli::add_agent_command(app, context);
  chitin::cli::add_demo_command(app, context);
  chitin::cli::add_import_command(app, context);
  chitin::cli::add_chat_command(app, context);

  // CLI11 runs the chosen command's callback inside parse(); the log level must be set first.
  app.parse_complete_callback([&context] {
    if (!context.global.log_level.empty()) {
      chitin::log::set_level(*chitin::log::parse_level(context.global.log_level));
    }
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    chitin::cli::print_error(std::string(e.what()) + "; run 'chitin --help' for usage");
    return chitin::cli::kExitUsage;
  }
  return context.exit_code;
}
