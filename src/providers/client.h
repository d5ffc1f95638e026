#pragma once
// Calls a model: one streamed request to an OpenAI-compatible or Anthropic endpoint over
// libcurl, decoded as it arrives (text passed on as it streams), with timeouts, retries with
// backoff for overload and server errors (only before anything was streamed, honouring
// Retry-After), and cancellation. No redirects are followed; only http and https.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "providers/messages.h"
#include "providers/stream.h"

namespace chitin::providers {

enum class Api { kOpenAi, kAnthropic };

struct Endpoint {
  Api api = Api::kOpenAi;
  std::string base_url;  // "http://127.0.0.1:8080/v1", "https://api.anthropic.com"
  std::string model;
  std::string api_key;  // from the secrets store; empty: none sent (local servers)
  std::string user_agent = "Chitin";
  std::int64_t max_tokens = 4096;
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds idle_timeout{120};  // no byte for this long: give up
  std::chrono::seconds total_timeout{600};
  int retries = 2;
  std::chrono::milliseconds backoff{500};  // doubled each retry
};

struct CallOptions {
  TextSink on_text;
  const std::atomic<bool>* cancel = nullptr;  // set to stop the call
};

// The request URL of an endpoint.
std::string request_url(const Endpoint& endpoint);

Result<Reply> complete(const Endpoint& endpoint, const std::vector<Message>& messages,
                       const std::vector<ToolSpec>& tools, const CallOptions& options);

}  // namespace chitin::providers
