#include "agent/transcript_codec.h"

#include <nlohmann/json.hpp>

namespace chitin::agent {

namespace {

std::string string_or_empty(const nlohmann::json& object, const char* key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

}  // namespace

std::string_view role_name(providers::Role role) {
  switch (role) {
    case providers::Role::kSystem:
      return "system";
    case providers::Role::kUser:
      return "user";
    case providers::Role::kAssistant:
      return "assistant";
    case providers::Role::kTool:
      return "tool";
  }
  return "user";
}

Result<providers::Role> role_from_name(std::string_view name) {
  for (providers::Role role : {providers::Role::kSystem, providers::Role::kUser,
                               providers::Role::kAssistant, providers::Role::kTool}) {
    if (role_name(role) == name) {
      return role;
    }
  }
  return fail(ErrorCode::kIntegrity, "unknown transcript role '{}'", name.substr(0, 32));
}

std::string encode_message(const providers::Message& message) {
  nlohmann::json out{{"text", message.text}};
  if (!message.tool_calls.empty()) {
    nlohmann::json calls = nlohmann::json::array();
    for (const providers::ToolCall& call : message.tool_calls) {
      calls.push_back({{"id", call.id}, {"name", call.name}, {"arguments", call.arguments}});
    }
    out["tool_calls"] = std::move(calls);
  }
  if (message.role == providers::Role::kTool) {
    out["tool_call_id"] = message.tool_call_id;
    out["tool_name"] = message.tool_name;
    out["is_error"] = message.is_error;
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<providers::Message> decode_message(std::string_view role, std::string_view content) {
  providers::Message message;
  message.role = CHITIN_TRY(role_from_name(role));
  const nlohmann::json in = nlohmann::json::parse(content, nullptr, false);
  if (!in.is_object()) {
    return fail(ErrorCode::kIntegrity, "a transcript entry is not a JSON object");
  }
  message.text = string_or_empty(in, "text");
  if (const auto calls = in.find("tool_calls"); calls != in.end() && calls->is_array()) {
    for (const auto& call : *calls) {
      if (call.is_object()) {
        message.tool_calls.push_back(providers::ToolCall{string_or_empty(call, "id"),
                                                         string_or_empty(call, "name"),
                                                         string_or_empty(call, "arguments")});
      }
    }
  }
  message.tool_call_id = string_or_empty(in, "tool_call_id");
  message.tool_name = string_or_empty(in, "tool_name");
  const auto is_error = in.find("is_error");
  message.is_error = is_error != in.end() && is_error->is_boolean() && is_error->get<bool>();
  return message;
}

}  // namespace chitin::agent
