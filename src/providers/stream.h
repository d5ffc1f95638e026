#pragma once
// Streamed model replies, decoded: the OpenAI-compatible Chat Completions stream
// (chat.completion.chunk events ending in "[DONE]"; OpenAI, DeepSeek, Moonshot/Kimi,
// Qwen/DashScope, Zhipu GLM, MiniMax, Ollama, vLLM, llama.cpp server) and the Anthropic
// Messages stream (message_start ... message_stop). Both accumulate into one Reply: the text,
// the tool calls (arguments assembled from their fragments), why the model stopped, and the
// token usage. Text deltas can be passed on as they arrive. Bounded in every dimension; a
// server error inside the stream is an error.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "providers/sse.h"

namespace chitin::providers {

inline constexpr std::size_t kMaxReplyTextBytes = 8U << 20;
inline constexpr std::size_t kMaxToolCalls = 64;
inline constexpr std::size_t kMaxToolArgumentBytes = 1U << 20;

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;           // a JSON object, as text (as the model sent it when invalid)
  bool arguments_invalid = false;  // not a JSON object (or nested too deeply)
};

struct Usage {
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
};

struct Reply {
  std::string text;
  std::vector<ToolCall> tool_calls;
  std::string stop_reason;  // as the API says it: "stop", "tool_calls", "end_turn", "tool_use", ...
  Usage usage;
};

using TextSink = std::function<void(std::string_view)>;

class OpenAiStream {
 public:
  explicit OpenAiStream(TextSink on_text = {}) : on_text_(std::move(on_text)) {}
  // One event's data; true once "[DONE]" arrived.
  Result<bool> on_event(const SseEvent& event);
  // The reply, once the stream ended: tool-call arguments must be complete JSON objects.
  Result<Reply> finish();

 private:
  TextSink on_text_;
  Reply reply_;
  std::map<std::int64_t, ToolCall> calls_;  // by the stream's tool-call index
  bool done_ = false;
};

class AnthropicStream {
 public:
  explicit AnthropicStream(TextSink on_text = {}) : on_text_(std::move(on_text)) {}
  // One event; true once message_stop arrived.
  Result<bool> on_event(const SseEvent& event);
  Result<Reply> finish();

 private:
  TextSink on_text_;
  Reply reply_;
  std::map<std::int64_t, ToolCall> calls_;            // by content block index (tool_use blocks)
  std::map<std::int64_t, std::string> start_inputs_;  // whole inputs sent at block start
  bool done_ = false;
};

}  // namespace chitin::providers
