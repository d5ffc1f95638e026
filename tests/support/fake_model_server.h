#pragma once
// A fake model server speaking the real wire protocol, for tests and for `chitin demo`'s
// replay: HTTP/1.1 on 127.0.0.1, one response per connection, each a scripted reply sent in
// chunks with pauses (so streaming is real), or a stall that keeps the connection silent. It
// keeps every request it received (to check what a model would have seen). Replies are taken
// in order; the last one repeats.

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/unique_fd.h"

namespace chitin::testing {

struct Scripted {
  int status = 200;
  std::string headers;  // extra header lines, each ending in \r\n
  std::vector<std::string> chunks;
  std::chrono::milliseconds pause{0};
  std::chrono::milliseconds stall{0};  // silence after the chunks, before closing
};

class FakeModelServer {
 public:
  explicit FakeModelServer(std::vector<Scripted> script);
  ~FakeModelServer();
  FakeModelServer(const FakeModelServer&) = delete;
  FakeModelServer& operator=(const FakeModelServer&) = delete;

  [[nodiscard]] std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] int port() const { return port_; }
  std::vector<std::string> requests();
  // The JSON bodies of the requests received so far.
  std::vector<std::string> bodies();

 private:
  void serve();
  std::vector<Scripted> script_;
  UniqueFd listener_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

// OpenAI-compatible Chat Completions stream events.
std::string openai_event(const std::string& json);
// A reply that streams `text` in a few chunks, then stops.
Scripted openai_text(const std::string& text);
// A reply with one tool call (arguments: a JSON text, sent in two fragments).
Scripted openai_tool_call(const std::string& id, const std::string& name,
                          const std::string& arguments);
// Anthropic Messages stream equivalents.
Scripted anthropic_text(const std::string& text);
Scripted anthropic_tool_use(const std::string& id, const std::string& name,
                            const std::string& input_json);

}  // namespace chitin::testing
