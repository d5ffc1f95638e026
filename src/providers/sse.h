#pragma once
// An incremental parser of Server-Sent Events (the WHATWG HTML "event stream" format), the
// framing of streamed model replies: bytes arrive in chunks of any size, events come out
// whole. Lines end in CRLF, LF or CR; "event", "data", "id" and "retry" fields are kept (data
// lines joined with '\n'); lines starting with ':' are comments (keep-alives); an event is
// dispatched at a blank line. Bounded: an event larger than the limit is an error, so a
// misbehaving server cannot make the client buffer without end.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace chitin::providers {

struct SseEvent {
  std::string type = "message";  // the "event" field, "message" when absent
  std::string data;
  std::string id;
};

class SseParser {
 public:
  explicit SseParser(std::size_t max_event_bytes = 8U << 20) : max_event_bytes_(max_event_bytes) {}

  // Appends the events completed by `chunk` to `out`.
  Result<void> feed(std::string_view chunk, std::vector<SseEvent>& out);
  // At the end of the stream: an event without its final blank line is dropped, as the
  // standard says; true if bytes were left over (a truncated stream).
  [[nodiscard]] bool truncated() const { return !line_.empty() || has_data_; }

 private:
  Result<void> line(std::string_view text, std::vector<SseEvent>& out);

  std::size_t max_event_bytes_;
  std::string line_;
  bool last_was_cr_ = false;
  bool first_line_ = true;  // a UTF-8 byte-order mark may start the stream
  SseEvent event_;
  bool has_data_ = false;
  std::size_t event_bytes_ = 0;
};

}  // namespace chitin::providers
