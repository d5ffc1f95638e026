#pragma once
// What the agent may do without asking (docs/agent.md "Policy"). Every tool call becomes a
// canonical Action; decide() answers allow, ask (an approval bound to exactly that action) or
// deny, with the reason shown to the user and the model:
//   - a tool not offered (tools_allow / tools_deny) is denied;
//   - exec of a program not on exec_allow, and any shell or interpreter given code inline
//     (sh -c, python -c, node -e, ...), asks;
//   - web_fetch to a host not on egress.allow asks;
//   - any use of a quarantined skill asks; skill_exec of a shell string asks (a shell running
//     one of the skill's own script files does not);
//   - after untrusted content entered the turn (tool output, web pages, files, group
//     messages), every side-effecting tool asks (taint narrowing);
//   - the turn's tool-call budget and repeated identical calls (a loop) stop the turn.
// Pure and thread-compatible: the agent keeps one TurnState per turn.

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "egress/rules.h"

namespace chitin::policy {

enum class Verdict { kAllow, kAsk, kDeny, kStopTurn };

struct Decision {
  Verdict verdict = Verdict::kAllow;
  std::string reason;  // empty for a plain allow
};

// A tool call in canonical form: what an approval is bound to.
struct Action {
  std::string tool;
  std::vector<std::string> argv;       // exec
  std::string cwd;                     // exec: workspace-relative ("." for the root)
  std::vector<std::string> env_names;  // exec: variables set beyond the sandbox's defaults
  std::string path;                    // read/write/edit/list: workspace-relative
  std::string url;                     // web_fetch
  std::string host;                    // web_fetch: lower-case host
  std::uint16_t port = 0;              // web_fetch
  std::string fingerprint;             // a hash of the full arguments (content, text)
  std::string skill;                   // skill_read / skill_exec: the skill's name
  std::string skill_manifest;          // its manifest hash (an approval binds to the version)
  bool skill_quarantined = false;      // installed unsigned: every use asks

  [[nodiscard]] nlohmann::json to_json() const;
};

struct TurnState {
  bool tainted = false;
  std::string taint_source;  // what tainted it: "tool output of read", "a group message", ...
  std::int64_t tool_calls = 0;
  std::vector<std::string> calls;  // name + arguments of each call so far (loop detection)
};

inline constexpr int kLoopRepeats = 3;  // the same call this many times in a turn is a loop

// The tools that change something or send something out (the ones taint narrows).
bool side_effecting(std::string_view tool);
// True if argv runs a shell (sh/bash/..., with -c or not), code given inline (python -c,
// node -e / --eval=, perl -e, ruby -e, awk, ...), or anything through a wrapper (env,
// timeout, nohup, xargs, sudo, ... followed by arguments).
bool is_shell_string(const std::vector<std::string>& argv);
// True for a shell running a script file of the skill's folder (`bash /skill/scripts/x.sh
// ARGS`): the skill's own signed code, not a shell string the model composed.
bool runs_skill_script(const std::vector<std::string>& argv);

class ToolPolicy {
 public:
  ToolPolicy(const config::AgentConfig& agent, std::vector<egress::Rule> egress_allow);

  // Tools to declare to the model, in a fixed order.
  [[nodiscard]] std::vector<std::string> offered() const;
  [[nodiscard]] bool is_offered(std::string_view tool) const;

  // Counts the call into `turn` (budget, loop) and decides.
  Decision decide(const Action& action, std::string_view raw_arguments, TurnState& turn) const;

 private:
  std::set<std::string, std::less<>> offered_;
  std::vector<std::string> exec_allow_;
  std::vector<egress::Rule> egress_allow_;
  std::int64_t max_tool_calls_;
};

}  // namespace chitin::policy
