// Fuzz target: a model server's streamed reply (bytes from the network), through the SSE
// parser and both stream decoders. Any input gives a reply or an error; every tool call of
// an accepted reply has a name and arguments that are a JSON object.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz_target.h"
#include "providers/stream.h"

namespace {

template <class Stream>
void decode(const std::vector<chitin::providers::SseEvent>& events) {
  Stream stream;
  for (const auto& event : events) {
    if (!stream.on_event(event)) {
      return;
    }
  }
  auto reply = stream.finish();
  if (!reply) {
    return;
  }
  for (const auto& call : reply->tool_calls) {
    if (call.name.empty() || !nlohmann::json::parse(call.arguments, nullptr, false).is_object()) {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  chitin::providers::SseParser parser(1U << 16);
  std::vector<chitin::providers::SseEvent> events;
  // Fed in two pieces, so chunk boundaries are exercised too.
  const std::size_t half = size / 2;
  if (!parser.feed(text.substr(0, half), events) || !parser.feed(text.substr(half), events)) {
    return 0;
  }
  decode<chitin::providers::OpenAiStream>(events);
  decode<chitin::providers::AnthropicStream>(events);
  return 0;
}
