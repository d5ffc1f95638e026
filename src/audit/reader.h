#pragma once
// Reads records from an audit directory in order, for `audit tail` and `audit export`.
// Does not verify (that is verify.h); skips nothing silently: a line that is not a record is
// returned as an error naming its place.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "audit/record.h"
#include "base/result.h"

namespace chitin::audit {

// Follows the log across segments. Each call hands over the complete lines written since the
// previous call (a partial final line waits for its '\n'), 1 MiB of file at a time, so memory
// stays bounded however long the log is.
class LogFollower {
 public:
  explicit LogFollower(std::string dir) : dir_(std::move(dir)) {}

  // Calls `line` for each new line, in order.
  Result<void> for_each_new(const std::function<void(std::string_view)>& line);
  // The same, collected (for small reads and tests).
  Result<std::vector<std::string>> read_new();

 private:
  std::string dir_;
  std::uint64_t segment_number_ = 0;  // 0: not started
  std::uint64_t offset_ = 0;
};

// Filters shared by tail and export.
struct RecordFilter {
  std::string type_prefix;    // "auth" matches auth.fail, auth.ok; "" matches everything
  std::int64_t since_us = 0;  // records at or after this time (microseconds since the epoch)
  [[nodiscard]] bool matches(const ParsedRecord& record) const;
};

// Text form of a record for people: "seq ts type actor session details".
std::string format_record_text(const ParsedRecord& record);

}  // namespace chitin::audit
