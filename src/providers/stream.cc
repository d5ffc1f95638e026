#include "providers/stream.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/json_depth.h"

namespace chitin::providers {

namespace {

constexpr std::size_t kMaxEventDepth = 64;

Result<nlohmann::json> parse_event(std::string_view data, std::string_view api) {
  if (json_nesting_depth(data) > kMaxEventDepth) {
    return fail(ErrorCode::kInvalidInput, "{} stream: an event is nested too deeply", api);
  }
  auto json = nlohmann::json::parse(data, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return fail(ErrorCode::kInvalidInput, "{} stream: an event is not a JSON object: {}", api,
                data.substr(0, 120));
  }
  return json;
}

std::string string_at(const nlohmann::json& object, std::string_view key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

std::int64_t integer_at(const nlohmann::json& object, std::string_view key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_number_integer() ? found->get<std::int64_t>() : 0;
}

Result<void> append_bounded(std::string& to, std::string_view more, std::size_t limit,
                            std::string_view what) {
  if (to.size() + more.size() > limit) {
    return fail(ErrorCode::kLimitExceeded, "the model's {} is over {} bytes; the reply was stopped",
                what, limit);
  }
  to.append(more);
  return {};
}

Result<void> add_text(Reply& reply, const TextSink& sink, std::string_view text) {
  CHITIN_RETURN_IF_ERROR(append_bounded(reply.text, text, kMaxReplyTextBytes, "reply"));
  if (sink && !text.empty()) {
    sink(text);
  }
  return {};
}

ToolCall* call_at(std::map<std::int64_t, ToolCall>& calls, std::int64_t index) {
  if (calls.count(index) == 0 && calls.size() >= kMaxToolCalls) {
    return nullptr;
  }
  return &calls[index];
}

// Tool calls in index order, each with arguments that are a JSON object ("{}" when empty).
Result<void> collect_calls(std::map<std::int64_t, ToolCall>& calls, Reply& reply) {
  for (auto& [index, call] : calls) {
    if (call.name.empty()) {
      return fail(ErrorCode::kInvalidInput, "the model sent a tool call without a name");
    }
    if (call.arguments.empty()) {
      call.arguments = "{}";
    }
    // Arguments that are not a JSON object are kept as sent: the agent answers the call with
    // an error the model can correct, rather than losing the whole reply.
    if (json_nesting_depth(call.arguments) > kMaxEventDepth ||
        !nlohmann::json::parse(call.arguments, nullptr, false).is_object()) {
      call.arguments_invalid = true;
    }
    reply.tool_calls.push_back(std::move(call));
  }
  calls.clear();
  return {};
}

tl::unexpected<Error> server_error(const nlohmann::json& event, std::string_view api) {
  const auto found = event.find("error");
  const nlohmann::json error = found != event.end() ? *found : nlohmann::json();
  const std::string message = error.is_object()   ? string_at(error, "message")
                              : error.is_string() ? error.get<std::string>()
                                                  : "";
  const std::string type = error.is_object() ? string_at(error, "type") : "";
  return fail(ErrorCode::kUnavailable, "{} reported an error in the stream: {}{}", api,
              type.empty() ? "" : type + ": ", message.substr(0, 500));
}

}  // namespace

Result<bool> OpenAiStream::on_event(const SseEvent& event) {
  if (done_) {
    return true;
  }
  if (event.data == "[DONE]") {
    done_ = true;
    return true;
  }
  const nlohmann::json chunk = CHITIN_TRY(parse_event(event.data, "OpenAI-compatible"));
  if (chunk.contains("error")) {
    return server_error(chunk, "the model server");
  }
  if (const auto usage = chunk.find("usage"); usage != chunk.end() && usage->is_object()) {
    reply_.usage.input_tokens = integer_at(*usage, "prompt_tokens");
    reply_.usage.output_tokens = integer_at(*usage, "completion_tokens");
  }
  const auto choices = chunk.find("choices");
  if (choices == chunk.end() || !choices->is_array()) {
    return false;
  }
  for (const auto& choice : *choices) {
    if (!choice.is_object() || integer_at(choice, "index") != 0) {
      continue;  // only the first choice is asked for
    }
    if (const std::string reason = string_at(choice, "finish_reason"); !reason.empty()) {
      reply_.stop_reason = reason;
    }
    const auto delta = choice.find("delta");
    if (delta == choice.end() || !delta->is_object()) {
      continue;
    }
    CHITIN_RETURN_IF_ERROR(add_text(reply_, on_text_, string_at(*delta, "content")));
    const auto calls = delta->find("tool_calls");
    if (calls == delta->end() || !calls->is_array()) {
      continue;
    }
    for (const auto& fragment : *calls) {
      if (!fragment.is_object()) {
        continue;
      }
      // Fragments carry their call's index; a server that sends each call whole without one
      // starts a new call whenever a fragment names a new id.
      std::int64_t index = 0;
      if (fragment.contains("index")) {
        index = integer_at(fragment, "index");
      } else if (!calls_.empty()) {
        const std::string id = string_at(fragment, "id");
        index = calls_.rbegin()->first;
        if (!id.empty() && id != calls_.rbegin()->second.id) {
          ++index;
        }
      }
      ToolCall* call = call_at(calls_, index);
      if (call == nullptr) {
        return fail(ErrorCode::kLimitExceeded, "the model asked for more than {} tool calls",
                    kMaxToolCalls);
      }
      if (const std::string id = string_at(fragment, "id"); !id.empty()) {
        call->id = id;
      }
      const auto function = fragment.find("function");
      if (function == fragment.end() || !function->is_object()) {
        continue;
      }
      // Names come whole in the first fragment; a server that repeats it is not doubled.
      if (const std::string name = string_at(*function, "name");
          !name.empty() && name != call->name) {
        CHITIN_RETURN_IF_ERROR(append_bounded(call->name, name, 256, "tool name"));
      }
      CHITIN_RETURN_IF_ERROR(append_bounded(call->arguments, string_at(*function, "arguments"),
                                            kMaxToolArgumentBytes, "tool arguments"));
    }
  }
  return false;
}

Result<Reply> OpenAiStream::finish() {
  if (!done_ && reply_.stop_reason.empty()) {
    return fail(ErrorCode::kUnavailable,
                "the model stream ended early (no finish_reason and no [DONE])");
  }
  CHITIN_RETURN_IF_ERROR(collect_calls(calls_, reply_));
  return std::move(reply_);
}

Result<bool> AnthropicStream::on_event(const SseEvent& event) {
  if (done_) {
    return true;
  }
  if (event.type == "ping") {
    return false;
  }
  const nlohmann::json data = CHITIN_TRY(parse_event(event.data, "Anthropic"));
  const std::string type = event.type != "message" ? event.type : string_at(data, "type");
  if (type == "error") {
    return server_error(data, "Anthropic");
  }
  if (type == "message_start") {
    if (const auto message = data.find("message"); message != data.end() && message->is_object()) {
      if (const auto usage = message->find("usage");
          usage != message->end() && usage->is_object()) {
        reply_.usage.input_tokens = integer_at(*usage, "input_tokens");
        reply_.usage.output_tokens = integer_at(*usage, "output_tokens");
      }
    }
  } else if (type == "content_block_start") {
    const auto block = data.find("content_block");
    if (block != data.end() && block->is_object()) {
      const std::string kind = string_at(*block, "type");
      if (kind == "text") {
        CHITIN_RETURN_IF_ERROR(add_text(reply_, on_text_, string_at(*block, "text")));
      } else if (kind == "tool_use") {
        ToolCall* call = call_at(calls_, integer_at(data, "index"));
        if (call == nullptr) {
          return fail(ErrorCode::kLimitExceeded, "the model asked for more than {} tool calls",
                      kMaxToolCalls);
        }
        call->id = string_at(*block, "id");
        call->name = string_at(*block, "name").substr(0, 256);
        // The input arrives as input_json_delta fragments; a non-empty object here (some
        // compatible servers send the whole input at once) is used when no fragment comes.
        if (const auto input = block->find("input");
            input != block->end() && input->is_object() && !input->empty()) {
          start_inputs_[integer_at(data, "index")] = input->dump();
        }
      }
    }
  } else if (type == "content_block_delta") {
    const auto delta = data.find("delta");
    if (delta != data.end() && delta->is_object()) {
      const std::string kind = string_at(*delta, "type");
      if (kind == "text_delta") {
        CHITIN_RETURN_IF_ERROR(add_text(reply_, on_text_, string_at(*delta, "text")));
      } else if (kind == "input_json_delta") {
        const auto found = calls_.find(integer_at(data, "index"));
        if (found == calls_.end()) {
          return fail(ErrorCode::kInvalidInput,
                      "Anthropic stream: tool input for a block that was not started");
        }
        CHITIN_RETURN_IF_ERROR(append_bounded(found->second.arguments,
                                              string_at(*delta, "partial_json"),
                                              kMaxToolArgumentBytes, "tool arguments"));
      }
    }
  } else if (type == "message_delta") {
    if (const auto delta = data.find("delta"); delta != data.end() && delta->is_object()) {
      if (const std::string reason = string_at(*delta, "stop_reason"); !reason.empty()) {
        reply_.stop_reason = reason;
      }
    }
    if (const auto usage = data.find("usage"); usage != data.end() && usage->is_object()) {
      reply_.usage.output_tokens = integer_at(*usage, "output_tokens");
    }
  } else if (type == "message_stop") {
    done_ = true;
    return true;
  }
  return false;
}

Result<Reply> AnthropicStream::finish() {
  if (!done_) {
    return fail(ErrorCode::kUnavailable, "the Anthropic stream ended before message_stop");
  }
  for (auto& [index, call] : calls_) {
    if (call.arguments.empty() && start_inputs_.count(index) != 0) {
      call.arguments = start_inputs_[index];
    }
  }
  CHITIN_RETURN_IF_ERROR(collect_calls(calls_, reply_));
  return std::move(reply_);
}

}  // namespace chitin::providers
