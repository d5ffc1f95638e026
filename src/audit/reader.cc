#include "audit/reader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "audit/segments.h"
#include "sys/file_ops.h"

namespace chitin::audit {

namespace {
constexpr std::size_t kMaxReadChunk = std::size_t{1} << 20;
}  // namespace

Result<std::vector<std::string>> LogFollower::read_new() {
  std::vector<std::string> lines;
  CHITIN_RETURN_IF_ERROR(for_each_new([&](std::string_view line) { lines.emplace_back(line); }));
  return lines;
}

Result<void> LogFollower::for_each_new(const std::function<void(std::string_view)>& line) {
  const std::vector<Segment> segments = CHITIN_TRY(list_segments(dir_));
  for (const Segment& segment : segments) {
    if (segment.number < segment_number_) {
      continue;
    }
    if (segment.number > segment_number_) {
      segment_number_ = segment.number;
      offset_ = 0;
    }
    UniqueFd fd = CHITIN_TRY(sys::open_file(segment.path, O_RDONLY | O_NOFOLLOW));
    std::string chunk;
    for (;;) {
      chunk.resize(kMaxReadChunk);
      const ssize_t n = ::pread(fd.get(), chunk.data(), chunk.size(), static_cast<off_t>(offset_));
      if (n < 0) {
        return errno_fail(fmt::format("cannot read {}", segment.path));
      }
      chunk.resize(static_cast<std::size_t>(n));
      const std::size_t last_newline = chunk.rfind('\n');
      if (last_newline == std::string::npos) {
        if (chunk.size() > kMaxLineBytes) {
          return fail(ErrorCode::kInvalidInput, "{} has a line longer than {} bytes at offset {}",
                      segment.path, kMaxLineBytes, offset_);
        }
        break;  // nothing complete yet
      }
      std::size_t start = 0;
      while (start <= last_newline) {
        const std::size_t newline = chunk.find('\n', start);
        line(std::string_view(chunk).substr(start, newline - start));
        start = newline + 1;
      }
      offset_ += last_newline + 1;
      if (static_cast<std::size_t>(n) < kMaxReadChunk) {
        break;
      }
    }
  }
  return {};
}

bool RecordFilter::matches(const ParsedRecord& record) const {
  if (!type_prefix.empty()) {
    const bool exact = record.type == type_prefix;
    const bool under = record.type.size() > type_prefix.size() &&
                       record.type.starts_with(type_prefix) &&
                       (type_prefix.back() == '.' || record.type[type_prefix.size()] == '.');
    if (!exact && !under) {
      return false;
    }
  }
  if (since_us > 0) {
    auto ts = parse_rfc3339_micros(record.ts);
    if (!ts || *ts < since_us) {
      return false;
    }
  }
  return true;
}

std::string format_record_text(const ParsedRecord& record) {
  return fmt::format("{:>8} {} {:<20} {} {} {}", record.seq, record.ts, record.type,
                     record.actor.empty() ? "-" : record.actor,
                     record.session.empty() ? "-" : record.session,
                     record.details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace chitin::audit
