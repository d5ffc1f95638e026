// `chitin skill install|list|remove` (and the signing/scanning tools registered from
// skill_signing_command.cc). install shows what it is about to approve and asks; nothing in a
// skill's install[] is ever run.

#include "cli/skill_command.h"

#include <fmt/core.h>
#include <unistd.h>

#include <iostream>

#include <CLI/CLI.hpp>

#include "audit/log.h"
#include "base/log.h"
#include "cli/command.h"
#include "skills/installer.h"

namespace chitin::cli {

namespace {

struct InstallArguments {
  std::string source;
  bool yes = false;
  bool allow_unsigned = false;
};

void print_plan(const skills::StagedSkill& staged) {
  const skills::SkillDocument& doc = staged.document;
  // Everything from the skill is escaped: a description with terminal escapes could hide
  // the lines below (UNSIGNED, WIDER PERMISSIONS) from the person approving.
  fmt::print("skill {} {}\n  {}\n", doc.name, doc.version.empty() ? "(unversioned)" : doc.version,
             log::escaped(doc.description, 300));
  if (staged.quarantined()) {
    fmt::print(
        "  signature: UNSIGNED - it will be installed quarantined: every use needs your "
        "approval\n");
  } else {
    fmt::print("  signature: valid, by {} (key {})\n", staged.signature.signer,
               staged.signature.key_id);
  }
  fmt::print("  permissions:\n");
  for (const std::string& line : skills::describe(doc.permissions)) {
    fmt::print("    {}\n", line);
  }
  if (staged.installed) {
    fmt::print("  replaces installed version {}\n", log::escaped(staged.installed->version));
    if (staged.installed->key_id != staged.signature.key_id) {
      fmt::print("  SIGNER CHANGES: installed from {} (key {}), this one from {} (key {})\n",
                 staged.installed->signer.empty() ? "nobody (unsigned)" : staged.installed->signer,
                 staged.installed->key_id.empty() ? "-" : staged.installed->key_id,
                 staged.quarantined() ? "nobody (unsigned)" : staged.signature.signer,
                 staged.quarantined() ? "-" : staged.signature.key_id);
    }
    if (staged.widening.empty()) {
      fmt::print("  permissions are not wider than the installed version's\n");
    } else {
      fmt::print("  WIDER PERMISSIONS than the installed version:\n");
      for (const std::string& line : staged.widening) {
        fmt::print("    {}\n", line);
      }
    }
  }
  for (const skills::InstallSpec& spec : doc.install) {
    fmt::print("  installer spec (NOT run by Chitin; review before running it yourself): {} {}\n",
               log::escaped(spec.kind, 32), log::escaped(spec.target, 200));
  }
  if (!staged.scan.findings.empty()) {
    fmt::print("  scanner findings below the refusal threshold:\n");
    print_findings(staged.scan);
  }
}

// Asks on the terminal; false (with a message) when there is no terminal to ask.
bool confirm(const std::string& question) {
  if (::isatty(STDIN_FILENO) == 0) {
    print_error(
        "confirmation needed and there is no terminal to ask: re-run with --yes after "
        "reviewing the output above; nothing was installed");
    return false;
  }
  fmt::print("{} [y/N] ", question);
  std::fflush(stdout);
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

int refusal_exit(const skills::StageFailure& failure) {
  return failure.refusal == skills::Refusal::kUnsafeSource ? exit_code_for(failure.error)
                                                           : kExitProblem;
}

std::string_view refusal_name(skills::Refusal refusal) {
  switch (refusal) {
    case skills::Refusal::kUnsafeSource:
      return "unsafe_or_invalid_source";
    case skills::Refusal::kSignature:
      return "signature";
    case skills::Refusal::kUnsigned:
      return "unsigned";
    case skills::Refusal::kScan:
      return "scan";
    case skills::Refusal::kNone:
      return "none";
  }
  return "none";
}

int run_install(const CommandContext& context, const InstallArguments& args) {
  int exit_code = kExitOk;
  auto session = open_skill_session(context, exit_code);
  if (!session) {
    return exit_code;
  }
  auto& log = session->log;
  const skills::Installer installer(session->state.paths, *session->scanner);
  skills::StageOptions options;
  options.allow_unsigned = args.allow_unsigned;
  auto staged = installer.stage(args.source, options);
  if (!staged) {
    if (!staged.error().scan.findings.empty()) {
      print_findings(staged.error().scan);
    }
    print_error(staged.error().error);
    // Refusals are security decisions: they go on the record too.
    if (auto audited =
            log->append(audit::Event{"skill.install_refused",
                                     "cli",
                                     "",
                                     {{"source", args.source},
                                      {"reason", refusal_name(staged.error().refusal)},
                                      {"detail", staged.error().error.message.substr(0, 500)}}});
        !audited) {
      print_error(audited.error());
    }
    return refusal_exit(staged.error());
  }
  print_plan(*staged);
  std::string approved_by = "--yes";
  if (!args.yes) {
    const std::string question =
        staged->widening.empty()
            ? fmt::format("Install {} with these permissions?", staged->document.name)
            : fmt::format("Install {} with the WIDER permissions listed above?",
                          staged->document.name);
    if (!confirm(question)) {
      if (::isatty(STDIN_FILENO) != 0) {
        print_error("not confirmed; nothing was installed");
      }
      return kExitProblem;
    }
    approved_by = "prompt";
  }
  auto entry = installer.commit(*staged, *log, approved_by);
  if (!entry) {
    print_error(entry.error());
    return kExitProblem;
  }
  fmt::print("installed {} {}{}\n", staged->document.name, entry->version,
             entry->quarantined ? " (quarantined: each use needs approval)" : "");
  return kExitOk;
}

int run_list(const CommandContext& context, bool json) {
  int exit_code = kExitOk;
  auto session = open_skill_session(context, exit_code);
  if (!session) {
    return exit_code;
  }
  auto loaded = skills::Installer(session->state.paths, *session->scanner).load(session->log.get());
  if (!loaded) {
    print_error(loaded.error());
    return kExitProblem;
  }
  nlohmann::json out = nlohmann::json::array();
  bool all_ok = true;
  for (const skills::LoadedSkill& skill : *loaded) {
    all_ok = all_ok && skill.ok;
    const std::string status =
        !skill.ok ? "disabled" : (skill.entry.quarantined ? "quarantined" : "ok");
    out.push_back({{"name", skill.name},
                   {"version", skill.entry.version},
                   {"status", status},
                   {"problem", skill.problem},
                   {"signer", skill.entry.signer},
                   {"key_id", skill.entry.key_id},
                   {"quarantined", skill.entry.quarantined},
                   {"installed_at", skill.entry.installed_at},
                   {"permissions", skills::to_json(skill.entry.permissions)}});
    if (!json) {
      fmt::print("{:<24} {:<10} {:<12} {}\n", skill.name, skill.entry.version, status,
                 skill.ok
                     ? (skill.entry.signer.empty() ? "unsigned" : "signed by " + skill.entry.signer)
                     : skill.problem);
    }
  }
  if (json) {
    fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else if (loaded->empty()) {
    fmt::print("no skills installed (install one with 'chitin skill install SRC')\n");
  }
  return all_ok ? kExitOk : kExitProblem;
}

int run_remove(const CommandContext& context, const std::string& name) {
  int exit_code = kExitOk;
  auto session = open_skill_session(context, exit_code);
  if (!session) {
    return exit_code;
  }
  if (auto removed =
          skills::Installer(session->state.paths, *session->scanner).remove(name, *session->log);
      !removed) {
    print_error(removed.error());
    return exit_code_for(removed.error());
  }
  fmt::print("removed {}\n", name);
  return kExitOk;
}

}  // namespace

std::optional<SkillSession> open_skill_session(const CommandContext& context, int& exit_code) {
  auto state = load_state(context);
  if (!state) {
    exit_code = kExitUsage;
    return std::nullopt;
  }
  auto log = audit::open_installation_log(state->paths, state->config);
  if (!log) {
    print_error(log.error());
    exit_code = kExitProblem;
    return std::nullopt;
  }
  auto scanner = skills::Scanner::create();
  if (!scanner) {
    print_error(scanner.error());
    exit_code = kExitProblem;
    return std::nullopt;
  }
  return SkillSession{std::move(*state), std::move(*log),
                      std::make_unique<skills::Scanner>(std::move(*scanner))};
}

void add_skill_command(CLI::App& app, CommandContext& context) {
  CLI::App* skill = app.add_subcommand(
      "skill", "Install, verify, sign and scan skills (OpenClaw SKILL.md compatible).");
  skill->group("Commands");
  skill->require_subcommand(1);

  CLI::App* install = skill->add_subcommand(
      "install",
      "Install a skill from a folder, .zip or .tar.gz: safe extraction, signature "
      "check against the trust store, scan, confirmation.");
  auto install_args = std::make_shared<InstallArguments>();
  install->add_option("SRC", install_args->source, "Folder or archive")->required();
  install->add_flag("--yes", install_args->yes,
                    "Confirm without a prompt (for scripts; review the output)");
  install->add_flag("--allow-unsigned", install_args->allow_unsigned,
                    "Install an unsigned skill quarantined (each use needs approval)");
  install->callback(
      [&context, install_args] { context.exit_code = run_install(context, *install_args); });

  CLI::App* list = skill->add_subcommand(
      "list",
      "List installed skills, re-verifying each against skills.lock (exit 1 if any is "
      "disabled).");
  auto list_json = std::make_shared<bool>(false);
  list->add_flag("--json", *list_json, "Print JSON");
  list->callback([&context, list_json] { context.exit_code = run_list(context, *list_json); });

  CLI::App* remove = skill->add_subcommand("remove", "Remove an installed skill.");
  auto remove_name = std::make_shared<std::string>();
  remove->add_option("NAME", *remove_name, "Skill name")->required();
  remove->callback(
      [&context, remove_name] { context.exit_code = run_remove(context, *remove_name); });

  add_skill_signing_commands(*skill, context);
}

}  // namespace chitin::cli
