#pragma once
// The agent's built-in tools as the model sees them (name, description, JSON Schema of the
// arguments, with the argument names of docs/agent.md) and the strict reading of a call's
// arguments into a canonical policy::Action. Arguments the model gets wrong (missing, wrong
// type, unknown keys, over-long) are an error message meant for the model, which then
// usually corrects itself.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "policy/tool_policy.h"
#include "providers/messages.h"

namespace chitin::tools {

inline constexpr std::size_t kMaxArgvItems = 256;
inline constexpr std::size_t kMaxArgBytes = 64 * 1024;
inline constexpr std::size_t kMaxUrlBytes = 8192;

// True for the tools this build has (all of config::kToolNames).
bool is_available(std::string_view tool);

// Declarations for the named tools, in the given order (unknown names are skipped).
std::vector<providers::ToolSpec> tool_specs(const std::vector<std::string>& names);

// The call's arguments checked against its tool's schema, as an Action. `arguments` must be a
// JSON object.
Result<policy::Action> read_action(std::string_view tool, const nlohmann::json& arguments);

}  // namespace chitin::tools
