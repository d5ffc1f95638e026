#include "providers/stream.h"

#include <gtest/gtest.h>

namespace chitin::providers {
namespace {

// Parses a whole SSE body, fed in chunks of `chunk` bytes.
std::vector<SseEvent> events_of(std::string_view body, std::size_t chunk) {
  SseParser parser;
  std::vector<SseEvent> events;
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    EXPECT_TRUE(parser.feed(body.substr(at, chunk), events));
  }
  EXPECT_FALSE(parser.truncated());
  return events;
}

TEST(Sse, FramingFollowsTheStandardAtEveryChunkSize) {
  const std::string body =
      "\xEF\xBB\xBF: keep-alive comment\r\n"
      "event: first\r\ndata: one\r\ndata:two\r\nid: 7\r\n\r\n"
      "data: three\n\n"
      "retry: 100\rdata: four\r\r"
      "event: no-data\n\n"
      "data\n\n";
  for (std::size_t chunk = 1; chunk <= body.size(); ++chunk) {
    const auto events = events_of(body, chunk);
    ASSERT_EQ(events.size(), 4U) << chunk;
    EXPECT_EQ(events[0].type, "first");
    EXPECT_EQ(events[0].data, "one\ntwo");
    EXPECT_EQ(events[0].id, "7");
    EXPECT_EQ(events[1].type, "message");
    EXPECT_EQ(events[1].data, "three");
    EXPECT_EQ(events[2].data, "four");
    EXPECT_EQ(events[3].data, "");  // a bare "data" line is an empty data field
  }
}

TEST(Sse, OversizeEventsAndTruncationAreReported) {
  SseParser small(64);
  std::vector<SseEvent> events;
  EXPECT_FALSE(small.feed("data: " + std::string(100, 'x'), events));
  SseParser parser;
  ASSERT_TRUE(parser.feed("data: half", events));
  EXPECT_TRUE(parser.truncated());
  EXPECT_TRUE(events.empty());
}

// An OpenAI chat.completion.chunk stream with text and two tool calls in fragments.
const char* kOpenAi =
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
    "\"delta\":{\"role\":\"assistant\",\"content\":\"Let me \"},\"finish_reason\":null}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"check.\"}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\","
    "\"type\":\"function\",\"function\":{\"name\":\"exec\",\"arguments\":\"\"}}]}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
    "{\"arguments\":\"{\\\"argv\\\": [\\\"ls\\\"\"}}]}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\","
    "\"function\":{\"name\":\"read\",\"arguments\":\"{\\\"path\\\":\\\"a.txt\\\"}\"}}]}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
    "{\"arguments\":\"]}\"}}]}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":31,\"completion_tokens\":17}}\n\n"
    "data: [DONE]\n\n";

TEST(OpenAiStream, AssemblesTextAndToolCalls) {
  std::string streamed;
  OpenAiStream stream([&](std::string_view text) { streamed += text; });
  bool done = false;
  for (const SseEvent& event : events_of(kOpenAi, 7)) {
    auto result = stream.on_event(event);
    ASSERT_TRUE(result) << result.error().message;
    done = *result;
  }
  EXPECT_TRUE(done);
  auto reply = stream.finish();
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->text, "Let me check.");
  EXPECT_EQ(streamed, "Let me check.");
  ASSERT_EQ(reply->tool_calls.size(), 2U);
  EXPECT_EQ(reply->tool_calls[0].id, "call_a");
  EXPECT_EQ(reply->tool_calls[0].name, "exec");
  EXPECT_EQ(reply->tool_calls[0].arguments, "{\"argv\": [\"ls\"]}");
  EXPECT_EQ(reply->tool_calls[1].name, "read");
  EXPECT_EQ(reply->stop_reason, "tool_calls");
  EXPECT_EQ(reply->usage.input_tokens, 31);
  EXPECT_EQ(reply->usage.output_tokens, 17);
}

TEST(OpenAiStream, ErrorsTruncationAndBadArgumentsAreReported) {
  OpenAiStream failing;
  auto error = failing.on_event(
      SseEvent{"message", R"({"error":{"message":"rate limited","type":"requests"}})", ""});
  ASSERT_FALSE(error);
  EXPECT_NE(error.error().message.find("requests: rate limited"), std::string::npos);
  OpenAiStream cut;
  ASSERT_TRUE(cut.on_event(
      SseEvent{"message", R"({"choices":[{"index":0,"delta":{"content":"hi"}}]})", ""}));
  EXPECT_FALSE(cut.finish());  // no finish_reason, no [DONE]
  OpenAiStream broken;
  ASSERT_TRUE(broken.on_event(SseEvent{
      "message",
      R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"exec","arguments":"{\"argv\":"}}]},"finish_reason":"tool_calls"}]})",
      ""}));
  auto bad = broken.finish();
  ASSERT_TRUE(bad) << bad.error().message;  // kept, flagged: the agent answers with an error
  ASSERT_EQ(bad->tool_calls.size(), 1U);
  EXPECT_TRUE(bad->tool_calls[0].arguments_invalid);
  EXPECT_EQ(bad->tool_calls[0].arguments, "{\"argv\":");
  // Calls sent whole without an index: one call per new id, a repeated name not doubled.
  OpenAiStream whole;
  ASSERT_TRUE(whole.on_event(SseEvent{
      "message",
      R"({"choices":[{"index":0,"delta":{"tool_calls":[{"id":"a","function":{"name":"read","arguments":"{}"}},{"id":"b","function":{"name":"list","arguments":"{}"}}]},"finish_reason":"tool_calls"}]})",
      ""}));
  auto two = whole.finish();
  ASSERT_TRUE(two) << two.error().message;
  ASSERT_EQ(two->tool_calls.size(), 2U);
  EXPECT_EQ(two->tool_calls[1].name, "list");
  OpenAiStream repeated;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(repeated.on_event(SseEvent{
        "message",
        R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"exec"}}]}}]})",
        ""}));
  }
  ASSERT_TRUE(repeated.on_event(SseEvent{"message", "[DONE]", ""}));
  EXPECT_EQ(repeated.finish()->tool_calls.at(0).name, "exec");
  OpenAiStream garbage;
  EXPECT_FALSE(garbage.on_event(SseEvent{"message", "not json", ""}));
  EXPECT_FALSE(garbage.on_event(SseEvent{"message", std::string(100, '['), ""}));
}

// An Anthropic Messages stream: text, then a tool_use block with its input in fragments.
const char* kAnthropic =
    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
    "\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n"
    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
    "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
    "event: ping\ndata: {\"type\": \"ping\"}\n\n"
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
    "\"delta\":{\"type\":\"text_delta\",\"text\":\"Reading it.\"}}\n\n"
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,"
    "\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"read\","
    "\"input\":{}}}\n\n"
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,"
    "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"path\\\": \"}}\n\n"
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,"
    "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"notes.md\\\"}\"}}\n\n"
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
    "\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":42}}\n\n"
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

TEST(AnthropicStream, AssemblesTextAndToolUse) {
  std::string streamed;
  AnthropicStream stream([&](std::string_view text) { streamed += text; });
  for (const SseEvent& event : events_of(kAnthropic, 13)) {
    auto result = stream.on_event(event);
    ASSERT_TRUE(result) << result.error().message;
  }
  auto reply = stream.finish();
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->text, "Reading it.");
  EXPECT_EQ(streamed, "Reading it.");
  ASSERT_EQ(reply->tool_calls.size(), 1U);
  EXPECT_EQ(reply->tool_calls[0].id, "toolu_1");
  EXPECT_EQ(reply->tool_calls[0].name, "read");
  EXPECT_EQ(reply->tool_calls[0].arguments, "{\"path\": \"notes.md\"}");
  EXPECT_EQ(reply->stop_reason, "tool_use");
  EXPECT_EQ(reply->usage.input_tokens, 25);
  EXPECT_EQ(reply->usage.output_tokens, 42);
}

TEST(AnthropicStream, ErrorsAndTruncationAreReported) {
  AnthropicStream overloaded;
  auto error = overloaded.on_event(SseEvent{
      "error", R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})",
      ""});
  ASSERT_FALSE(error);
  EXPECT_NE(error.error().message.find("overloaded_error: Overloaded"), std::string::npos);
  AnthropicStream cut;
  ASSERT_TRUE(
      cut.on_event(SseEvent{"message_start", R"({"type":"message_start","message":{}})", ""}));
  EXPECT_FALSE(cut.finish());
  AnthropicStream orphan;
  EXPECT_FALSE(orphan.on_event(SseEvent{
      "content_block_delta",
      R"({"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{"}})",
      ""}));
  // An error event without an error object (only the SSE event name says so).
  AnthropicStream bare;
  EXPECT_FALSE(bare.on_event(SseEvent{"error", "{}", ""}));
  // A whole input at block start (some compatible servers) is used when no fragment follows.
  AnthropicStream whole;
  ASSERT_TRUE(whole.on_event(SseEvent{
      "content_block_start",
      R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"list","input":{"path":"."}}})",
      ""}));
  ASSERT_TRUE(whole.on_event(SseEvent{"message_stop", R"({"type":"message_stop"})", ""}));
  EXPECT_EQ(whole.finish()->tool_calls.at(0).arguments, R"({"path":"."})");
}

}  // namespace
}  // namespace chitin::providers
