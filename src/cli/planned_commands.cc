// Commands whose issues have not landed yet. Each is listed in --help and answers with one
// clear line and exit code 2, so scripts and users can tell "not built yet" from a failure.

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace chitin::cli {

namespace {

struct PlannedCommand {
  const char* name;
  const char* summary;
  const char* issue;
};

constexpr PlannedCommand kPlanned[] = {
    {"chat", "Chat with the agent in the terminal", "#8"},
    {"demo", "Walk through Chitin's protections on a sample workspace", ""},
};

}  // namespace

void add_planned_commands(CLI::App& app, CommandContext& context) {
  for (const PlannedCommand& planned : kPlanned) {
    CLI::App* command =
        app.add_subcommand(planned.name, std::string(planned.summary) + " (not yet available)");
    command->group("Planned");
    command->allow_extras();
    command->callback([&context, planned] {
      const std::string when = *planned.issue == '\0' ? std::string("in a later release")
                                                      : std::string("with issue ") + planned.issue;
      print_error(std::string("'") + planned.name + "' is not available in this build yet (it " +
                  "arrives " + when + "); nothing was done");
      context.exit_code = kExitUsage;
    });
  }
}

}  // namespace chitin::cli
