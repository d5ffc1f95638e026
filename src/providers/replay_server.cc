#include "providers/replay_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>

namespace chitin::providers {

ReplayServer::ReplayServer(std::vector<Scripted> script) : script_(std::move(script)) {
  listener_ = listen_on_loopback_port(port_);
  thread_ = std::thread([this] { serve(); });
}

ReplayServer::~ReplayServer() {
  ::shutdown(listener_.get(), SHUT_RDWR);
  thread_.join();
}

UniqueFd listen_on_loopback_port(int& port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(fd.get(), 16) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    port = 0;
    return UniqueFd();
  }
  port = ntohs(address.sin_port);
  return fd;
}

StaticPageServer::StaticPageServer(std::string content_type, std::string body)
    : content_type_(std::move(content_type)), body_(std::move(body)) {
  listener_ = listen_on_loopback_port(port_);
  thread_ = std::thread([this] {
    for (;;) {
      UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!client) {
        return;
      }
      std::string request;
      char buffer[4096];
      while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
        const ssize_t got = ::recv(client.get(), buffer, sizeof(buffer), 0);
        if (got <= 0) {
          break;
        }
        request.append(buffer, static_cast<std::size_t>(got));
      }
      {
        std::lock_guard lock(mu_);
        last_request_ = request;
      }
      const std::string response = "HTTP/1.1 200 OK\r\nContent-Type: " + content_type_ +
                                   "\r\nContent-Length: " + std::to_string(body_.size()) +
                                   "\r\nConnection: close\r\n\r\n" + body_;
      (void)!::send(client.get(), response.data(), response.size(), MSG_NOSIGNAL);
    }
  });
}

StaticPageServer::~StaticPageServer() {
  ::shutdown(listener_.get(), SHUT_RDWR);
  thread_.join();
}

std::string StaticPageServer::last_request() {
  std::lock_guard lock(mu_);
  return last_request_;
}

std::vector<std::string> ReplayServer::requests() {
  std::lock_guard lock(mu_);
  return requests_;
}

std::vector<std::string> ReplayServer::bodies() {
  std::vector<std::string> out;
  for (const std::string& request : requests()) {
    const auto end = request.find("\r\n\r\n");
    out.push_back(end == std::string::npos ? std::string() : request.substr(end + 4));
  }
  return out;
}

void ReplayServer::serve() {
  for (std::size_t n = 0;; ++n) {
    UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client) {
      return;
    }
    std::string request;
    char buffer[8192];
    for (;;) {
      const auto end = request.find("\r\n\r\n");
      if (end != std::string::npos) {
        const auto at = request.find("Content-Length: ");
        const std::size_t length =
            at == std::string::npos ? 0 : std::stoul(request.substr(at + 16));
        if (request.size() >= end + 4 + length) {
          break;
        }
      }
      const ssize_t got = ::recv(client.get(), buffer, sizeof(buffer), 0);
      if (got <= 0) {
        break;
      }
      request.append(buffer, static_cast<std::size_t>(got));
    }
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
    }
    const Scripted& reply = script_[std::min(n, script_.size() - 1)];
    std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " X\r\n" + reply.headers +
                       "Content-Type: text/event-stream\r\nConnection: close\r\n\r\n";
    (void)!::send(client.get(), head.data(), head.size(), MSG_NOSIGNAL);
    for (const std::string& chunk : reply.chunks) {
      (void)!::send(client.get(), chunk.data(), chunk.size(), MSG_NOSIGNAL);
      std::this_thread::sleep_for(reply.pause);
    }
    std::this_thread::sleep_for(reply.stall);
  }
}

std::string openai_event(const std::string& json) { return "data: " + json + "\n\n"; }

namespace {

std::string openai_delta(const nlohmann::json& delta, const char* finish) {
  nlohmann::json choice{{"index", 0}, {"delta", delta}};
  if (finish != nullptr) {
    choice["finish_reason"] = finish;
  }
  return openai_event(nlohmann::json{{"choices", {choice}}}.dump());
}

std::string anthropic_event(const std::string& type, const nlohmann::json& data) {
  return "event: " + type + "\ndata: " + data.dump() + "\n\n";
}

}  // namespace

namespace {
// Half way, moved back to the start of a UTF-8 sequence (each chunk stays valid text).
std::size_t utf8_half(const std::string& text) {
  std::size_t half = text.size() / 2;
  while (half > 0 && (static_cast<unsigned char>(text[half]) & 0xC0U) == 0x80U) {
    --half;
  }
  return half;
}
}  // namespace

Scripted openai_text(const std::string& text) {
  Scripted reply;
  const std::size_t half = utf8_half(text);
  reply.chunks.push_back(
      openai_delta({{"role", "assistant"}, {"content", text.substr(0, half)}}, nullptr));
  reply.chunks.push_back(openai_delta({{"content", text.substr(half)}}, "stop"));
  reply.chunks.push_back(
      openai_event(R"({"choices":[],"usage":{"prompt_tokens":100,"completion_tokens":20}})"));
  reply.chunks.emplace_back("data: [DONE]\n\n");
  return reply;
}

Scripted openai_tool_call(const std::string& id, const std::string& name,
                          const std::string& arguments) {
  Scripted reply;
  const std::size_t half = utf8_half(arguments);
  reply.chunks.push_back(
      openai_delta({{"role", "assistant"},
                    {"tool_calls",
                     {{{"index", 0},
                       {"id", id},
                       {"type", "function"},
                       {"function", {{"name", name}, {"arguments", arguments.substr(0, half)}}}}}}},
                   nullptr));
  reply.chunks.push_back(openai_delta(
      {{"tool_calls", {{{"index", 0}, {"function", {{"arguments", arguments.substr(half)}}}}}}},
      "tool_calls"));
  reply.chunks.emplace_back("data: [DONE]\n\n");
  return reply;
}

Scripted anthropic_text(const std::string& text) {
  Scripted reply;
  reply.chunks.push_back(anthropic_event(
      "message_start",
      {{"type", "message_start"}, {"message", {{"usage", {{"input_tokens", 100}}}}}}));
  reply.chunks.push_back(anthropic_event("content_block_start",
                                         {{"type", "content_block_start"},
                                          {"index", 0},
                                          {"content_block", {{"type", "text"}, {"text", ""}}}}));
  reply.chunks.push_back(anthropic_event("content_block_delta",
                                         {{"type", "content_block_delta"},
                                          {"index", 0},
                                          {"delta", {{"type", "text_delta"}, {"text", text}}}}));
  reply.chunks.push_back(
      anthropic_event("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}}));
  reply.chunks.push_back(anthropic_event("message_delta", {{"type", "message_delta"},
                                                           {"delta", {{"stop_reason", "end_turn"}}},
                                                           {"usage", {{"output_tokens", 20}}}}));
  reply.chunks.push_back(anthropic_event("message_stop", {{"type", "message_stop"}}));
  return reply;
}

Scripted anthropic_tool_use(const std::string& id, const std::string& name,
                            const std::string& input_json) {
  Scripted reply;
  reply.chunks.push_back(anthropic_event(
      "message_start",
      {{"type", "message_start"}, {"message", {{"usage", {{"input_tokens", 100}}}}}}));
  reply.chunks.push_back(anthropic_event(
      "content_block_start",
      {{"type", "content_block_start"},
       {"index", 0},
       {"content_block",
        {{"type", "tool_use"}, {"id", id}, {"name", name}, {"input", nlohmann::json::object()}}}}));
  reply.chunks.push_back(
      anthropic_event("content_block_delta",
                      {{"type", "content_block_delta"},
                       {"index", 0},
                       {"delta", {{"type", "input_json_delta"}, {"partial_json", input_json}}}}));
  reply.chunks.push_back(
      anthropic_event("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}}));
  reply.chunks.push_back(anthropic_event("message_delta", {{"type", "message_delta"},
                                                           {"delta", {{"stop_reason", "tool_use"}}},
                                                           {"usage", {{"output_tokens", 20}}}}));
  reply.chunks.push_back(anthropic_event("message_stop", {{"type", "message_stop"}}));
  return reply;
}

}  // namespace chitin::providers
