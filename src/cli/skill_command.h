#pragma once
// Pieces shared by the `chitin skill` command files.

#include "cli/command.h"
#include "skills/scanner.h"

namespace CLI {
class App;
}  // namespace CLI

namespace chitin::cli {

// One line per finding: severity, rule, file:line, message.
void print_findings(const skills::ScanReport& report);

// keygen, sign, verify, trust, scan (skill_signing_command.cc).
void add_skill_signing_commands(CLI::App& skill, CommandContext& context);

}  // namespace chitin::cli
