#include "providers/sse.h"

namespace chitin::providers {

Result<void> SseParser::feed(std::string_view chunk, std::vector<SseEvent>& out) {
  for (const char c : chunk) {
    if (c == '\n' && last_was_cr_) {
      last_was_cr_ = false;  // the LF of a CRLF: the line already ended at the CR
      continue;
    }
    last_was_cr_ = c == '\r';
    if (c == '\r' || c == '\n') {
      CHITIN_RETURN_IF_ERROR(line(line_, out));
      line_.clear();
      continue;
    }
    line_.push_back(c);
    if (line_.size() + event_bytes_ > max_event_bytes_) {
      return fail(ErrorCode::kLimitExceeded,
                  "the model server sent an event over {} bytes; the stream was stopped",
                  max_event_bytes_);
    }
  }
  return {};
}

Result<void> SseParser::line(std::string_view text, std::vector<SseEvent>& out) {
  if (first_line_) {
    first_line_ = false;
    if (text.starts_with("\xEF\xBB\xBF")) {
      text.remove_prefix(3);
    }
  }
  if (text.empty()) {  // dispatch
    if (has_data_) {
      out.push_back(std::move(event_));
    }
    event_ = SseEvent{};
    has_data_ = false;
    event_bytes_ = 0;
    return {};
  }
  if (text.front() == ':') {
    return {};  // comment
  }
  const auto colon = text.find(':');
  const std::string_view field = text.substr(0, colon);
  std::string_view value =
      colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  if (value.starts_with(' ')) {
    value.remove_prefix(1);
  }
  event_bytes_ += text.size();
  if (field == "data") {
    if (has_data_) {
      event_.data.push_back('\n');
    }
    event_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_.type = value.empty() ? "message" : std::string(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) {
      event_.id = std::string(value);
    }
  }
  // "retry" and unknown fields are ignored: the client's retry policy is its own.
  return {};
}

}  // namespace chitin::providers
