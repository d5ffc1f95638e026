#include "providers/request.h"

#include <nlohmann/json.hpp>

#include "base/json_depth.h"

namespace chitin::providers {

namespace {

Result<nlohmann::json> object_from(const std::string& text, std::string_view what) {
  if (text.empty()) {
    return nlohmann::json::object();
  }
  if (json_nesting_depth(text) > 64) {
    return fail(ErrorCode::kInvalidInput, "{} is nested too deeply", what);
  }
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object()) {
    return fail(ErrorCode::kInvalidInput, "{} is not a JSON object", what);
  }
  return json;
}

}  // namespace

Result<std::string> openai_request_body(const std::vector<Message>& messages,
                                        const std::vector<ToolSpec>& tools,
                                        const RequestOptions& options) {
  nlohmann::json list = nlohmann::json::array();
  for (const Message& message : messages) {
    switch (message.role) {
      case Role::kSystem:
        list.push_back({{"role", "system"}, {"content", message.text}});
        break;
      case Role::kUser:
        list.push_back({{"role", "user"}, {"content", message.text}});
        break;
      case Role::kAssistant: {
        nlohmann::json entry{{"role", "assistant"}, {"content", message.text}};
        if (!message.tool_calls.empty()) {
          nlohmann::json calls = nlohmann::json::array();
          for (const ToolCall& call : message.tool_calls) {
            calls.push_back({{"id", call.id},
                             {"type", "function"},
                             {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
          }
          entry["tool_calls"] = std::move(calls);
          if (message.text.empty()) {
            entry["content"] = nullptr;
          }
        }
        list.push_back(std::move(entry));
        break;
      }
      case Role::kTool:
        list.push_back(
            {{"role", "tool"}, {"tool_call_id", message.tool_call_id}, {"content", message.text}});
        break;
    }
  }
  nlohmann::json body{{"model", options.model},
                      {"messages", std::move(list)},
                      {"max_tokens", options.max_tokens},
                      {"stream", true},
                      {"stream_options", {{"include_usage", true}}}};
  if (!tools.empty()) {
    nlohmann::json specs = nlohmann::json::array();
    for (const ToolSpec& tool : tools) {
      nlohmann::json parameters = CHITIN_TRY(object_from(tool.parameters, tool.name));
      if (parameters.empty()) {
        parameters = {{"type", "object"}, {"properties", nlohmann::json::object()}};
      }
      specs.push_back({{"type", "function"},
                       {"function",
                        {{"name", tool.name},
                         {"description", tool.description},
                         {"parameters", std::move(parameters)}}}});
    }
    body["tools"] = std::move(specs);
  }
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::string> anthropic_request_body(const std::vector<Message>& messages,
                                           const std::vector<ToolSpec>& tools,
                                           const RequestOptions& options) {
  std::string system;
  nlohmann::json list = nlohmann::json::array();
  // Anthropic wants user and assistant turns to alternate: consecutive tool results (and a
  // user message after them) are blocks of one user turn.
  const auto append_user_block = [&](nlohmann::json block) {
    if (!list.empty() && list.back()["role"] == "user") {
      list.back()["content"].push_back(std::move(block));
    } else {
      list.push_back({{"role", "user"}, {"content", nlohmann::json::array({std::move(block)})}});
    }
  };
  for (const Message& message : messages) {
    switch (message.role) {
      case Role::kSystem:
        system += (system.empty() ? "" : "\n\n") + message.text;
        break;
      case Role::kUser:
        if (!message.text.empty()) {  // the API refuses empty text blocks
          append_user_block({{"type", "text"}, {"text", message.text}});
        }
        break;
      case Role::kAssistant: {
        nlohmann::json blocks = nlohmann::json::array();
        if (!message.text.empty()) {
          blocks.push_back({{"type", "text"}, {"text", message.text}});
        }
        for (const ToolCall& call : message.tool_calls) {
          nlohmann::json input = CHITIN_TRY(object_from(call.arguments, call.name));
          blocks.push_back({{"type", "tool_use"},
                            {"id", call.id},
                            {"name", call.name},
                            {"input", std::move(input)}});
        }
        if (!blocks.empty()) {  // an empty assistant turn is refused too
          list.push_back({{"role", "assistant"}, {"content", std::move(blocks)}});
        }
        break;
      }
      case Role::kTool:
        append_user_block({{"type", "tool_result"},
                           {"tool_use_id", message.tool_call_id},
                           {"content", message.text},
                           {"is_error", message.is_error}});
        break;
    }
  }
  nlohmann::json body{{"model", options.model},
                      {"max_tokens", options.max_tokens},
                      {"messages", std::move(list)},
                      {"stream", true}};
  if (!system.empty()) {
    body["system"] = system;
  }
  if (!tools.empty()) {
    nlohmann::json specs = nlohmann::json::array();
    for (const ToolSpec& tool : tools) {
      nlohmann::json schema = CHITIN_TRY(object_from(tool.parameters, tool.name));
      if (schema.empty()) {
        schema = {{"type", "object"}, {"properties", nlohmann::json::object()}};
      }
      specs.push_back({{"name", tool.name},
                       {"description", tool.description},
                       {"input_schema", std::move(schema)}});
    }
    body["tools"] = std::move(specs);
  }
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace chitin::providers
