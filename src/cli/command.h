#pragma once
// Shared plumbing of the `chitin` subcommands. The CLI is thin (STYLE.md): each command parses
// its arguments with CLI11, calls a module, prints, and returns an exit code.

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "config/config.h"
#include "config/state_dir.h"

namespace CLI {
class App;
}  // namespace CLI

namespace chitin::cli {

// Exit codes of every command (README "Exit codes").
inline constexpr int kExitOk = 0;
inline constexpr int kExitProblem = 1;  // the operation ran and found a problem
inline constexpr int kExitUsage = 2;    // bad usage or bad input; nothing was done

// Options every command shares, filled in by the top-level parser.
struct GlobalOptions {
  std::optional<std::string> home;  // --home
  std::string log_level;            // --log-level
};

// Where a command stores its exit code; read by main after parsing.
struct CommandContext {
  GlobalOptions global;
  int exit_code = kExitOk;
};

// Prints "chitin: <line>" to stderr for each line of the error's message.
void print_error(const Error& error);
void print_error(std::string_view message);

// The initialised state directory, with its config loaded and any dangerously_* option
// logged; nullopt after printing why not (every caller then exits kExitUsage).
struct State {
  config::StatePaths paths;
  config::Config config;
};
std::optional<config::StatePaths> initialised_paths(const CommandContext& context);
std::optional<State> load_state(const CommandContext& context);
void warn_dangerous(const config::Config& config);

// Where the privacy filter caches compiled patterns: the installation's cache/ when Chitin
// is initialised, else $XDG_CACHE_HOME/chitin or ~/.cache/chitin; empty when none of those
// is known (patterns are then compiled every run).
std::string detector_cache_dir(const CommandContext& context);

// Text from a model or a tool made safe for a terminal: control characters (ESC, CR, C1,
// ...) other than newline and tab become '?', so nothing can move the cursor or restyle
// an approval prompt.
std::string terminal_safe(std::string_view text);

// kExitUsage for errors caused by the user's input, kExitProblem otherwise.
int exit_code_for(const Error& error);

void add_init_command(CLI::App& app, CommandContext& context);
void add_config_command(CLI::App& app, CommandContext& context);
void add_audit_command(CLI::App& app, CommandContext& context);
void add_sandbox_command(CLI::App& app, CommandContext& context);
void add_doctor_command(CLI::App& app, CommandContext& context);
void add_skill_command(CLI::App& app, CommandContext& context);
void add_gateway_command(CLI::App& app, CommandContext& context);
void add_approvals_command(CLI::App& app, CommandContext& context);
void add_privacy_command(CLI::App& app, CommandContext& context);
void add_import_command(CLI::App& app, CommandContext& context);
void add_secrets_command(CLI::App& app, CommandContext& context);
void add_agent_command(CLI::App& app, CommandContext& context);
void add_demo_command(CLI::App& app, CommandContext& context);
void add_chat_command(CLI::App& app, CommandContext& context);

}  // namespace chitin::cli
