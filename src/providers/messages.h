#pragma once
// A conversation as the providers see it, independent of any one API: the request builders
// (request.h) turn it into each API's native form, with tool results where that API wants
// them (role "tool" messages for OpenAI-compatible servers, tool_result blocks for
// Anthropic).

#include <string>
#include <vector>

#include "providers/stream.h"

namespace chitin::providers {

enum class Role { kSystem, kUser, kAssistant, kTool };

struct Message {
  Role role = Role::kUser;
  std::string text;
  std::vector<ToolCall> tool_calls;  // kAssistant: the calls it made
  std::string tool_call_id;          // kTool: which call this answers
  std::string tool_name;             // kTool
  bool is_error = false;             // kTool: the tool failed
};

struct ToolSpec {
  std::string name;
  std::string description;
  std::string parameters;  // JSON Schema of the arguments (an object), as text
};

}  // namespace chitin::providers
