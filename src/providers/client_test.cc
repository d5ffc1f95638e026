#include "providers/client.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "providers/replay_server.h"

namespace chitin::providers {
namespace {

using namespace std::chrono_literals;

using chitin::providers::openai_event;
using chitin::providers::ReplayServer;
using chitin::providers::Scripted;

const std::vector<std::string> kOpenAiChunks = {
    openai_event(R"({"choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]})"),
    openai_event(R"({"choices":[{"index":0,"delta":{"content":"lo"}}]})"),
    openai_event(
        R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"list","arguments":"{\"path\":\".\"}"}}]},"finish_reason":"tool_calls"}]})"),
    "data: [DONE]\n\n"};

std::vector<Message> conversation() {
  ToolCall call{"call_0", "read", R"({"path":"a.txt"})"};
  return {Message{Role::kSystem, "You are helpful.", {}, "", "", false},
          Message{Role::kUser, "What is in a.txt?", {}, "", "", false},
          Message{Role::kAssistant, "", {call}, "", "", false},
          Message{Role::kTool, "hello", {}, "call_0", "read", false}};
}

std::vector<ToolSpec> tools() {
  return {ToolSpec{"list", "List a directory",
                   R"({"type":"object","properties":{"path":{"type":"string"}}})"}};
}

Endpoint endpoint_for(Api api, const std::string& base) {
  Endpoint endpoint;
  endpoint.api = api;
  endpoint.base_url = base + (api == Api::kOpenAi ? "/v1" : "");
  endpoint.model = "test-model";
  endpoint.api_key = "sk-test-key-123456";
  endpoint.backoff = 10ms;
  endpoint.idle_timeout = 2s;
  return endpoint;
}

TEST(ProviderClient, OpenAiCompatibleStreamsTextAndToolCalls) {
  ReplayServer server({Scripted{200, "", kOpenAiChunks, 30ms, 0ms}});
  std::vector<std::string> pieces;
  CallOptions options;
  options.on_text = [&](std::string_view text) { pieces.emplace_back(text); };
  auto reply =
      complete(endpoint_for(Api::kOpenAi, server.base()), conversation(), tools(), options);
  ASSERT_TRUE(reply) << reply.error().describe();
  EXPECT_EQ(reply->text, "Hello");
  EXPECT_EQ(pieces, (std::vector<std::string>{"Hel", "lo"}));  // as they arrived
  ASSERT_EQ(reply->tool_calls.size(), 1U);
  EXPECT_EQ(reply->tool_calls[0].name, "list");
  // The request, in the API's own form.
  const std::string request = server.requests().at(0);
  EXPECT_TRUE(request.starts_with("POST /v1/chat/completions HTTP/1.1\r\n")) << request;
  EXPECT_NE(request.find("Authorization: Bearer sk-test-key-123456\r\n"), std::string::npos);
  EXPECT_NE(request.find("User-Agent: Chitin\r\n"), std::string::npos);
  const auto body = nlohmann::json::parse(request.substr(request.find("\r\n\r\n") + 4));
  EXPECT_EQ(body["model"], "test-model");
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][2]["tool_calls"][0]["function"]["name"], "read");
  EXPECT_EQ(body["messages"][3]["role"], "tool");  // tool results as role "tool" messages
  EXPECT_EQ(body["messages"][3]["tool_call_id"], "call_0");
  EXPECT_EQ(body["tools"][0]["function"]["parameters"]["type"], "object");
}

TEST(ProviderClient, AnthropicMessagesUseItsHeadersAndToolResultBlocks) {
  const std::vector<std::string> chunks = {
      "event: message_start\ndata: "
      "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":9}}}\n\n",
      "event: content_block_start\ndata: "
      "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":"
      "\"\"}}\n\n",
      "event: content_block_delta\ndata: "
      "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":"
      "\"It says hello.\"}}\n\n",
      "event: message_delta\ndata: "
      "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_"
      "tokens\":5}}\n\n",
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"};
  ReplayServer server({Scripted{200, "", chunks, 5ms, 0ms}});
  auto reply = complete(endpoint_for(Api::kAnthropic, server.base()), conversation(), tools(), {});
  ASSERT_TRUE(reply) << reply.error().describe();
  EXPECT_EQ(reply->text, "It says hello.");
  EXPECT_EQ(reply->stop_reason, "end_turn");
  const std::string request = server.requests().at(0);
  EXPECT_TRUE(request.starts_with("POST /v1/messages HTTP/1.1\r\n")) << request;
  EXPECT_NE(request.find("x-api-key: sk-test-key-123456\r\n"), std::string::npos);
  EXPECT_NE(request.find("anthropic-version: 2023-06-01\r\n"), std::string::npos);
  EXPECT_EQ(request.find("Authorization:"), std::string::npos);
  const auto body = nlohmann::json::parse(request.substr(request.find("\r\n\r\n") + 4));
  EXPECT_EQ(body["system"], "You are helpful.");
  EXPECT_EQ(body["messages"][1]["content"][0]["type"], "tool_use");
  EXPECT_EQ(body["messages"][2]["role"], "user");  // tool results as tool_result blocks
  EXPECT_EQ(body["messages"][2]["content"][0]["type"], "tool_result");
  EXPECT_EQ(body["messages"][2]["content"][0]["tool_use_id"], "call_0");
  EXPECT_EQ(body["tools"][0]["input_schema"]["type"], "object");
}

TEST(ProviderClient, OverloadIsRetriedWithBackoffOtherErrorsAreNot) {
  ReplayServer busy({Scripted{529, "Retry-After: 0\r\n", {R"({"error":{"message":"Overloaded"}})"}},
                     Scripted{200, "", kOpenAiChunks}});
  auto reply = complete(endpoint_for(Api::kOpenAi, busy.base()), conversation(), {}, {});
  ASSERT_TRUE(reply) << reply.error().describe();
  EXPECT_EQ(busy.requests().size(), 2U);

  ReplayServer denied({Scripted{401, "", {R"({"error":{"message":"Incorrect API key"}})"}}});
  auto refused = complete(endpoint_for(Api::kOpenAi, denied.base()), conversation(), {}, {});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("401: Incorrect API key"), std::string::npos);
  EXPECT_NE(refused.error().message.find("chitin secrets set"), std::string::npos);
  EXPECT_EQ(denied.requests().size(), 1U);

  ReplayServer always_busy({Scripted{503, "", {"busy"}}});
  auto gave_up = complete(endpoint_for(Api::kOpenAi, always_busy.base()), conversation(), {}, {});
  ASSERT_FALSE(gave_up);
  EXPECT_EQ(always_busy.requests().size(), 3U);  // the first try and two retries

  // Anthropic reports overload inside a 200 stream: retried while nothing was shown.
  ReplayServer overloaded(
      {Scripted{200,
                "",
                {"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"
                 "\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"}},
       Scripted{200,
                "",
                {"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{}}\n\n",
                 "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"}}});
  auto recovered =
      complete(endpoint_for(Api::kAnthropic, overloaded.base()), conversation(), {}, {});
  ASSERT_TRUE(recovered) << recovered.error().describe();
  EXPECT_EQ(overloaded.requests().size(), 2U);

  ReplayServer moved({Scripted{302, "Location: http://169.254.169.254/\r\n", {}}});
  auto redirected = complete(endpoint_for(Api::kOpenAi, moved.base()), conversation(), {}, {});
  ASSERT_FALSE(redirected);  // never followed
  EXPECT_NE(redirected.error().message.find("302"), std::string::npos);
}

TEST(ProviderClient, StallsTruncationAndCancellationEndTheCall) {
  // Silent after the first text: the idle timeout ends it, without a retry (text was shown).
  ReplayServer stalled({Scripted{200, "", {kOpenAiChunks[0]}, 0ms, 4000ms}});
  Endpoint endpoint = endpoint_for(Api::kOpenAi, stalled.base());
  endpoint.idle_timeout = 1s;
  auto timed_out = complete(endpoint, conversation(), {}, {});
  ASSERT_FALSE(timed_out);
  // The idle timeout ended it (the server would have closed the stream after 4 s anyway, which
  // would read as a truncated stream instead).
  EXPECT_NE(timed_out.error().message.find("sent nothing for 1 s"), std::string::npos)
      << timed_out.error().message;
  EXPECT_EQ(stalled.requests().size(), 1U);

  ReplayServer cut({Scripted{200, "", {kOpenAiChunks[0], kOpenAiChunks[1]}}});
  auto truncated = complete(endpoint_for(Api::kOpenAi, cut.base()), conversation(), {}, {});
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().message.find("ended early"), std::string::npos);

  ReplayServer slow({Scripted{200, "", kOpenAiChunks, 1000ms}});
  std::atomic<bool> cancel{false};
  CallOptions options;
  options.cancel = &cancel;
  options.on_text = [&](std::string_view) { cancel = true; };
  auto cancelled = complete(endpoint_for(Api::kOpenAi, slow.base()), conversation(), {}, options);
  ASSERT_FALSE(cancelled);
  EXPECT_NE(cancelled.error().message.find("cancelled"), std::string::npos);

  Endpoint bad;
  bad.base_url = "file:///etc/passwd";
  EXPECT_FALSE(complete(bad, conversation(), {}, {}));
  EXPECT_EQ(request_url(endpoint_for(Api::kAnthropic, "https://api.anthropic.com")),
            "https://api.anthropic.com/v1/messages");
}

}  // namespace
}  // namespace chitin::providers
