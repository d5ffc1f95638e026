#include "providers/client.h"

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <thread>
#include <variant>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/json_depth.h"
#include "base/parse.h"
#include "providers/libcurl.h"
#include "providers/request.h"

namespace chitin::providers {

namespace {

constexpr std::size_t kMaxErrorBody = 64 * 1024;
constexpr std::chrono::seconds kMaxRetryAfter{30};

// One attempt's state, reached from libcurl's callbacks.
struct Attempt {
  const Endpoint* endpoint = nullptr;
  const CallOptions* options = nullptr;
  const Libcurl* api = nullptr;
  CURL* curl = nullptr;
  SseParser parser;
  std::variant<OpenAiStream, AnthropicStream> stream;
  std::vector<SseEvent> events;
  std::optional<Error> error;  // why the transfer was stopped
  bool done = false;
  bool streamed = false;  // text was passed on: no retry after this
  long status = 0;
  std::string error_body;
  std::chrono::seconds retry_after{0};
  std::chrono::steady_clock::time_point last_byte = std::chrono::steady_clock::now();
  bool idle = false;        // stopped for want of bytes
  bool overloaded = false;  // the stream itself reported overload (Anthropic, inside a 200)

  // The text sinks capture `this`: an Attempt never moves.
  Attempt(const Attempt&) = delete;
  Attempt& operator=(const Attempt&) = delete;
  Attempt(Attempt&&) = delete;
  Attempt& operator=(Attempt&&) = delete;

  Attempt(const Endpoint& e, const CallOptions& o)
      : endpoint(&e),
        options(&o),
        stream(e.api == Api::kOpenAi
                   ? std::variant<OpenAiStream, AnthropicStream>(
                         std::in_place_type<OpenAiStream>, TextSink([this](std::string_view t) {
                           streamed = true;
                           if (options->on_text) {
                             options->on_text(t);
                           }
                         }))
                   : std::variant<OpenAiStream, AnthropicStream>(
                         std::in_place_type<AnthropicStream>, TextSink([this](std::string_view t) {
                           streamed = true;
                           if (options->on_text) {
                             options->on_text(t);
                           }
                         }))) {}

  bool receive(std::string_view bytes) {
    last_byte = std::chrono::steady_clock::now();
    if (status == 0) {
      api->easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    }
    if (status != 200) {
      error_body.append(
          bytes.substr(0, kMaxErrorBody - std::min(kMaxErrorBody, error_body.size())));
      return true;
    }
    events.clear();
    if (auto fed = parser.feed(bytes, events); !fed) {
      error = fed.error();
      return false;
    }
    for (const SseEvent& event : events) {
      auto result = std::visit([&](auto& s) { return s.on_event(event); }, stream);
      if (!result) {
        overloaded = result.error().message.find("overloaded_error") != std::string::npos ||
                     result.error().message.find("rate_limit") != std::string::npos;
        error = result.error();
        return false;
      }
      done = done || *result;
    }
    return true;
  }
};

// libcurl is C: nothing may unwind through it. The caller's text sink and allocations can
// throw, so this boundary catches and turns it into a stopped transfer.
std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* attempt = static_cast<Attempt*>(user);
  try {
    return attempt->receive(std::string_view(data, size * count)) ? size * count : 0;
  } catch (...) {
    attempt->error = Error{ErrorCode::kInternal, 0, "the reply could not be processed"};
    return 0;
  }
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* attempt = static_cast<Attempt*>(user);
  const std::string_view line(data, size * count);
  constexpr std::string_view kRetryAfter = "retry-after:";
  if (line.size() <= kRetryAfter.size()) {
    return size * count;
  }
  for (std::size_t i = 0; i < kRetryAfter.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != kRetryAfter[i]) {
      return size * count;
    }
  }
  std::string_view value = line.substr(kRetryAfter.size());
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  if (auto seconds = parse_integer<std::int64_t>(value, 0, 86400)) {
    attempt->retry_after = std::min(std::chrono::seconds(*seconds), kMaxRetryAfter);
  }
  return size * count;
}

// Called by libcurl at least once a second: cancellation, and the idle timeout (libcurl's
// low-speed check averages over its window, so a stream that stalls after a burst can run on).
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* attempt = static_cast<Attempt*>(user);
  if (attempt->options->cancel != nullptr && attempt->options->cancel->load()) {
    return 1;
  }
  if (std::chrono::steady_clock::now() - attempt->last_byte > attempt->endpoint->idle_timeout) {
    attempt->idle = true;
    return 1;
  }
  return 0;
}

std::string error_message(const std::string& body) {
  if (json_nesting_depth(body) <= 16) {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_object() && json.contains("error")) {
      const auto& error = json["error"];
      if (error.is_object() && error.contains("message") && error["message"].is_string()) {
        return error["message"].get<std::string>().substr(0, 500);
      }
      if (error.is_string()) {
        return error.get<std::string>().substr(0, 500);
      }
    }
  }
  return body.substr(0, 200);
}

// Failures of the connection that another attempt may not meet; not timeouts of the whole
// call, and not configuration or TLS verification errors, which would fail again.
bool transient(CURLcode code) {
  return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
         code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING ||
         code == CURLE_PARTIAL_FILE || code == CURLE_HTTP2 || code == CURLE_HTTP2_STREAM;
}

bool retryable(long status) {
  return status == 408 || status == 409 || status == 429 || status == 500 || status == 502 ||
         status == 503 || status == 504 || status == 529;
}

}  // namespace

std::string request_url(const Endpoint& endpoint) {
  std::string base = endpoint.base_url;
  while (base.ends_with('/')) {
    base.pop_back();
  }
  if (endpoint.api == Api::kOpenAi) {
    return base + "/chat/completions";
  }
  return base + (base.ends_with("/v1") ? "/messages" : "/v1/messages");
}

Result<Reply> complete(const Endpoint& endpoint, const std::vector<Message>& messages,
                       const std::vector<ToolSpec>& tools, const CallOptions& options) {
  if (!endpoint.base_url.starts_with("http://") && !endpoint.base_url.starts_with("https://")) {
    return fail(ErrorCode::kInvalidInput, "model base_url '{}' must start with http:// or https://",
                endpoint.base_url.substr(0, 100));
  }
  const Libcurl* api = CHITIN_TRY(libcurl());
  const RequestOptions request_options{endpoint.model, endpoint.max_tokens};
  const std::string body = CHITIN_TRY(
      endpoint.api == Api::kOpenAi ? openai_request_body(messages, tools, request_options)
                                   : anthropic_request_body(messages, tools, request_options));
  const std::string url = request_url(endpoint);
  auto delay = endpoint.backoff;
  for (int attempt_number = 0;; ++attempt_number) {
    std::unique_ptr<CURL, CurlEasyFree> curl(api->easy_init());
    if (!curl) {
      return fail(ErrorCode::kInternal, "libcurl could not start");
    }
    std::vector<std::string> header_lines = {"Content-Type: application/json",
                                             "Accept: text/event-stream"};
    if (endpoint.api == Api::kOpenAi) {
      if (!endpoint.api_key.empty()) {
        header_lines.push_back("Authorization: Bearer " + endpoint.api_key);
      }
    } else {
      header_lines.push_back("anthropic-version: 2023-06-01");
      if (!endpoint.api_key.empty()) {
        header_lines.push_back("x-api-key: " + endpoint.api_key);
      }
    }
    std::unique_ptr<curl_slist, CurlSlistFree> headers;
    bool headers_ok = true;
    for (std::string& line : header_lines) {
      curl_slist* longer = api->slist_append(headers.get(), line.c_str());
      crypto::wipe(line);
      if (longer == nullptr) {
        headers_ok = false;
        break;
      }
      (void)headers.release();
      headers.reset(longer);
    }
    if (!headers_ok) {
      return fail(ErrorCode::kInternal, "out of memory building the request headers");
    }
    Attempt attempt(endpoint, options);
    attempt.api = api;
    attempt.curl = curl.get();
    CURL* c = curl.get();
    api->easy_setopt(c, CURLOPT_URL, url.c_str());
    if (api->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK) {
      return fail(ErrorCode::kUnavailable, "this libcurl cannot restrict protocols (needs 7.85+)");
    }
    if (url.starts_with("http://")) {
      // Plain HTTP goes only to this machine (the config allows nothing else); a proxy from
      // the environment must not see the key in clear text on the way.
      api->easy_setopt(c, CURLOPT_NOPROXY, "*");
    }
    api->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    api->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    api->easy_setopt(c, CURLOPT_POST, 1L);
    api->easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    api->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    api->easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    api->easy_setopt(c, CURLOPT_USERAGENT, endpoint.user_agent.c_str());
    api->easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                     static_cast<long>(endpoint.connect_timeout.count()));
    api->easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(endpoint.total_timeout.count()));
    api->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    api->easy_setopt(c, CURLOPT_WRITEDATA, &attempt);
    api->easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    api->easy_setopt(c, CURLOPT_HEADERDATA, &attempt);
    api->easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    api->easy_setopt(c, CURLOPT_XFERINFODATA, &attempt);
    api->easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    const CURLcode code = api->easy_perform(c);

    const bool cancelled = options.cancel != nullptr && options.cancel->load();
    if (cancelled) {
      return fail(ErrorCode::kUnavailable, "the model call was cancelled");
    }
    if (attempt.status == 0) {
      api->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &attempt.status);  // a response without body
    }
    // A complete reply counts even when the connection failed after it.
    if (attempt.done && !attempt.error) {
      return std::visit([](auto& s) { return s.finish(); }, attempt.stream);
    }
    bool may_retry = !attempt.streamed && attempt_number < endpoint.retries;
    Error problem;
    if (attempt.error) {
      problem = *attempt.error;
      may_retry = may_retry && attempt.overloaded;
    } else if (attempt.status > 0 && attempt.status != 200) {
      problem = Error{ErrorCode::kUnavailable, 0,
                      fmt::format("the model server answered {}: {}", attempt.status,
                                  error_message(attempt.error_body))};
      may_retry = may_retry && retryable(attempt.status);
      if (attempt.status == 401 || attempt.status == 403) {
        problem.message += " (check the API key: chitin secrets set NAME)";
      }
    } else if (attempt.idle) {
      problem = Error{ErrorCode::kUnavailable, 0,
                      fmt::format("the model server at {} sent nothing for {} s", url,
                                  endpoint.idle_timeout.count())};
    } else if (code != CURLE_OK) {
      problem = Error{
          ErrorCode::kUnavailable, 0,
          fmt::format("the model server at {} did not answer: {}", url, api->easy_strerror(code))};
      may_retry = may_retry && transient(code);
    } else {
      return std::visit([](auto& s) { return s.finish(); }, attempt.stream);
    }
    if (!may_retry) {
      return fail(problem);
    }
    const auto wait = std::max<std::chrono::milliseconds>(delay, attempt.retry_after);
    // Sleep in slices so a cancellation is seen.
    const auto until = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < until) {
      if (options.cancel != nullptr && options.cancel->load()) {
        return fail(ErrorCode::kUnavailable, "the model call was cancelled");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    delay *= 2;
  }
}

}  // namespace chitin::providers
