#pragma once
// Pieces shared by the `chitin skill` command files.

#include <memory>
#include <optional>

#include "audit/log.h"
#include "cli/command.h"
#include "skills/scanner.h"

namespace CLI {
class App;
}  // namespace CLI

namespace chitin::cli {

// What the commands that change installed skills need: the loaded state, the audit log they
// record into, and a scanner. nullopt after printing why not; `exit_code` then says how to
// exit.
struct SkillSession {
  State state;
  std::unique_ptr<audit::AuditLog> log;
  std::unique_ptr<skills::Scanner> scanner;
};
std::optional<SkillSession> open_skill_session(const CommandContext& context, int& exit_code);

// One line per finding: severity, rule, file:line, message.
void print_findings(const skills::ScanReport& report);

// keygen, sign, verify, trust, scan (skill_signing_command.cc).
void add_skill_signing_commands(CLI::App& skill, CommandContext& context);

}  // namespace chitin::cli
