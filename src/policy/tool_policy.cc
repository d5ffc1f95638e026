#include "policy/tool_policy.h"

#include <fmt/format.h>

#include <algorithm>

namespace chitin::policy {

namespace {

std::string_view base_name(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// Interpreters and the flag that makes them run code from the command line.
struct Interpreter {
  std::string_view prefix;  // matches "python", "python3", "python3.11", ...
  std::string_view flag;
};
constexpr Interpreter kInterpreters[] = {
    {"python", "-c"},   {"perl", "-e"}, {"perl", "-E"},      {"ruby", "-e"},   {"node", "-e"},
    {"node", "--eval"}, {"node", "-p"}, {"php", "-r"},       {"lua", "-e"},    {"awk", ""},
    {"gawk", ""},       {"mawk", ""},   {"osascript", "-e"}, {"deno", "eval"}, {"bun", "-e"},
};
constexpr std::string_view kShells[] = {"sh",   "bash", "dash", "zsh",     "ksh", "mksh",
                                        "fish", "csh",  "tcsh", "busybox", "ash"};
// Programs that run another program given in their arguments.
constexpr std::string_view kWrappers[] = {
    "env",  "nohup", "nice", "timeout", "xargs", "stdbuf", "setsid",  "time",   "command",
    "exec", "sudo",  "doas", "chroot",  "flock", "ionice", "taskset", "unshare"};

bool named(std::string_view program, std::string_view name) { return program == name; }

bool interpreter_with_prefix(std::string_view program, std::string_view prefix) {
  if (!program.starts_with(prefix)) {
    return false;
  }
  const std::string_view rest = program.substr(prefix.size());
  return std::all_of(rest.begin(), rest.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

}  // namespace

nlohmann::json Action::to_json() const {
  nlohmann::json out{{"tool", tool}};
  if (tool == "exec") {
    out["argv"] = argv;
    out["cwd"] = cwd;
    out["env"] = env_names;
  } else if (tool == "web_fetch") {
    out["url"] = url;
    out["host"] = fmt::format("{}:{}", host, port);
  } else if (tool == "skill_exec") {
    out["skill"] = skill;
    out["skill_manifest"] = skill_manifest;
    out["argv"] = argv;
  } else if (tool == "skill_read") {
    out["skill"] = skill;
    out["skill_manifest"] = skill_manifest;
    out["path"] = path;
  } else if (!path.empty()) {
    out["path"] = path;
  }
  if (!fingerprint.empty()) {
    out["arguments_fingerprint"] = fingerprint;
  }
  return out;
}

bool side_effecting(std::string_view tool) {
  return tool == "exec" || tool == "write" || tool == "edit" || tool == "web_fetch" ||
         tool == "memory_write" || tool == "skill_exec";
}

bool runs_skill_script(const std::vector<std::string>& argv) {
  if (argv.size() < 2) {
    return false;
  }
  const std::string_view program = argv[0];
  const std::string_view name = program.substr(program.rfind('/') + 1);
  const std::string& script = argv[1];
  return (name == "sh" || name == "bash" || name == "dash") && script.starts_with("/skill/") &&
         script.find("/..") == std::string::npos && script.find("/./") == std::string::npos;
}

bool is_shell_string(const std::vector<std::string>& argv) {
  if (argv.empty()) {
    return false;
  }
  // A wrapper (env, timeout, xargs, sudo, ...) runs whatever follows it, and its options are
  // too varied to parse safely (timeout -s KILL 10 sh, env -u X sh): any wrapper with
  // arguments counts, so the allow-list can never be walked around through one.
  if (std::find(std::begin(kWrappers), std::end(kWrappers), base_name(argv[0])) !=
      std::end(kWrappers)) {
    return argv.size() > 1;
  }
  const std::size_t i = 0;
  const std::string_view program = base_name(argv[i]);
  for (std::string_view shell : kShells) {
    if (named(program, shell)) {
      return true;  // with -c it runs a string; without, it reads commands from stdin or a file
    }
  }
  for (const Interpreter& interpreter : kInterpreters) {
    if (!interpreter_with_prefix(program, interpreter.prefix)) {
      continue;
    }
    if (interpreter.flag.empty()) {
      return true;  // awk's program is always inline
    }
    for (std::size_t j = i + 1; j < argv.size(); ++j) {
      const std::string& arg = argv[j];
      if (arg == interpreter.flag || arg.starts_with(std::string(interpreter.flag) + "=") ||
          (arg.starts_with('-') && !arg.starts_with("--") && interpreter.flag.size() == 2 &&
           arg.find(interpreter.flag[1]) != std::string::npos)) {
        return true;
      }
    }
  }
  return false;
}

ToolPolicy::ToolPolicy(const config::AgentConfig& agent, std::vector<egress::Rule> egress_allow)
    : exec_allow_(agent.exec_allow),
      egress_allow_(std::move(egress_allow)),
      max_tool_calls_(agent.max_tool_calls_per_turn) {
  for (std::string_view tool : config::kToolNames) {
    const bool allowed = agent.tools_allow.empty() ||
                         std::find(agent.tools_allow.begin(), agent.tools_allow.end(), tool) !=
                             agent.tools_allow.end();
    const bool denied =
        std::find(agent.tools_deny.begin(), agent.tools_deny.end(), tool) != agent.tools_deny.end();
    if (allowed && !denied) {
      offered_.emplace(tool);
    }
  }
}

std::vector<std::string> ToolPolicy::offered() const {
  std::vector<std::string> out;
  for (std::string_view tool : config::kToolNames) {
    if (offered_.count(tool) != 0) {
      out.emplace_back(tool);
    }
  }
  return out;
}

bool ToolPolicy::is_offered(std::string_view tool) const { return offered_.count(tool) != 0; }

Decision ToolPolicy::decide(const Action& action, std::string_view raw_arguments,
                            TurnState& turn) const {
  ++turn.tool_calls;
  if (turn.tool_calls > max_tool_calls_) {
    return {Verdict::kStopTurn, fmt::format("the turn reached its budget of {} tool calls "
                                            "(agent.max_tool_calls_per_turn)",
                                            max_tool_calls_)};
  }
  std::string signature = action.tool + '\0' + std::string(raw_arguments);
  const auto repeats = std::count(turn.calls.begin(), turn.calls.end(), signature);
  turn.calls.push_back(std::move(signature));
  if (repeats + 1 >= kLoopRepeats) {
    return {Verdict::kStopTurn,
            fmt::format("the model called {} with the same arguments {} times in one turn: "
                        "a loop, so the turn stops",
                        action.tool, kLoopRepeats)};
  }
  if (!is_offered(action.tool)) {
    return {Verdict::kDeny, fmt::format("the tool '{}' is not available to this agent "
                                        "(agent.tools_allow / agent.tools_deny)",
                                        action.tool.substr(0, 64))};
  }
  std::vector<std::string> reasons;
  if (action.tool == "exec") {
    if (is_shell_string(action.argv)) {
      reasons.emplace_back("it runs a shell, inline code or a program through a wrapper");
    } else if (std::find(exec_allow_.begin(), exec_allow_.end(), action.argv.front()) ==
               exec_allow_.end()) {
      reasons.push_back(
          fmt::format("'{}' is not on agent.exec_allow", action.argv.front().substr(0, 128)));
    }
  }
  if (action.tool == "skill_exec" && is_shell_string(action.argv) &&
      !runs_skill_script(action.argv)) {
    reasons.emplace_back("it runs a shell, inline code or a program through a wrapper");
  }
  if (action.skill_quarantined) {
    reasons.push_back(fmt::format("the skill '{}' is quarantined (installed unsigned)",
                                  action.skill.substr(0, 64)));
  }
  if (action.tool == "web_fetch" && !egress::allowed(egress_allow_, action.host, action.port)) {
    reasons.push_back(fmt::format("{}:{} is not on egress.allow", action.host, action.port));
  }
  if (turn.tainted && side_effecting(action.tool)) {
    reasons.push_back(fmt::format("untrusted content entered this turn ({})", turn.taint_source));
  }
  if (reasons.empty()) {
    return {};
  }
  std::string reason = "needs approval: ";
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    reason += (i == 0 ? "" : "; ") + reasons[i];
  }
  return {Verdict::kAsk, reason};
}

}  // namespace chitin::policy
