#pragma once
// A scripted replay of a model server (not a model): it speaks the real wire protocols
// (OpenAI-compatible Chat Completions and Anthropic Messages streams) over HTTP/1.1 on
// 127.0.0.1, one response per connection, each a scripted reply sent in chunks with pauses
// (so streaming is real), or a stall that keeps the connection silent. Used by the tests and
// by `chitin demo`, which runs without any API key. It keeps every request it received (to
// show what a model would have seen). Replies are taken in order; the last one repeats.
// A StaticPageServer answers every request with one fixed page (the demo's web page).

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/unique_fd.h"

namespace chitin::providers {

struct Scripted {
  int status = 200;
  std::string headers;  // extra header lines, each ending in \r\n
  std::vector<std::string> chunks;
  std::chrono::milliseconds pause{0};
  std::chrono::milliseconds stall{0};  // silence after the chunks, before closing
};

class ReplayServer {
 public:
  explicit ReplayServer(std::vector<Scripted> script);
  ~ReplayServer();
  ReplayServer(const ReplayServer&) = delete;
  ReplayServer& operator=(const ReplayServer&) = delete;

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

class StaticPageServer {
 public:
  StaticPageServer(std::string content_type, std::string body);
  ~StaticPageServer();
  StaticPageServer(const StaticPageServer&) = delete;
  StaticPageServer& operator=(const StaticPageServer&) = delete;
  [[nodiscard]] int port() const { return port_; }
  std::string last_request();

 private:
  std::string content_type_;
  std::string body_;
  UniqueFd listener_;
  int port_ = 0;
  std::mutex mu_;
  std::string last_request_;
  std::thread thread_;
};

// A listening TCP socket on 127.0.0.1 with an ephemeral port, written to `port`.
UniqueFd listen_on_loopback_port(int& port);

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

}  // namespace chitin::providers
