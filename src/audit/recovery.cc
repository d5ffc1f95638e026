#include "audit/recovery.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>

#include "sys/file_ops.h"

namespace chitin::audit {

namespace {

struct Loaded {
  const Segment* segment;
  std::string data;
  std::uint64_t base = 0;  // file offset of data[0]
};

// Where reading a segment backwards for the head's record starts; the window grows fourfold
// until the record is found or the whole segment is read.
constexpr std::size_t kFirstTailWindow = 256 * 1024;

// Segment `path` from the line of record `seq` to the end (that line at offset `base`), read
// backwards from the end in growing windows: opening the log then costs about what was written
// since the last checkpoint, not a whole segment of up to 64 MB (0.34-0.76 s just to read a
// full one on the reference VM, then a hash per record). When no line starts with record `seq`,
// the whole segment with found = false.
struct Suffix {
  Loaded loaded;
  bool found = false;
};
Result<Suffix> suffix_from_record(const Segment& segment, std::uint64_t seq) {
  const UniqueFd fd = CHITIN_TRY(sys::open_file(segment.path, O_RDONLY | O_CLOEXEC));
  struct stat status {};
  if (fstat(fd.get(), &status) != 0) {
    return errno_fail("cannot stat " + segment.path);
  }
  const auto size = static_cast<std::uint64_t>(status.st_size);
  if (size > kMaxSegmentBytes) {
    return fail(ErrorCode::kLimitExceeded, "{} is larger than {} bytes", segment.path,
                kMaxSegmentBytes);
  }
  const std::string line_start = fmt::format("{{\"seq\":{},", seq);
  for (std::uint64_t window = kFirstTailWindow;; window *= 4) {
    const std::uint64_t from = size > window ? size - window : 0;
    std::string data(static_cast<std::size_t>(size - from), '\0');
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n =
          pread(fd.get(), data.data() + done, data.size() - done, static_cast<off_t>(from + done));
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        return errno_fail("cannot read " + segment.path);
      }
      if (n == 0) {
        return fail(ErrorCode::kIo, "{} shrank while it was read", segment.path);
      }
      done += static_cast<std::size_t>(n);
    }
    // The earliest line in the window that starts with the record (a line starts the file or
    // follows '\n'; the window's first byte counts only at the file's start). Earliest, so a
    // copy of the head's line planted within a window after it is walked into and refused. A
    // copy planted farther is found first and is verify's to report (docs/audit-format.md).
    std::size_t found = std::string::npos;
    for (std::size_t at = data.size(); at > 0;) {
      at = data.rfind(line_start, at - 1);
      if (at == std::string::npos) {
        break;
      }
      if ((at == 0 && from == 0) || (at > 0 && data[at - 1] == '\n')) {
        found = at;
      }
    }
    if (found != std::string::npos) {
      return Suffix{Loaded{&segment, data.substr(found), from + found}, true};
    }
    if (from == 0) {
      return Suffix{Loaded{&segment, std::move(data), 0}, false};
    }
  }
}

tl::unexpected<Error> refuse(std::string_view what) {
  return fail(ErrorCode::kIntegrity,
              "{}; run 'chitin audit verify', then move the audit directory aside (keep it as "
              "evidence) to start a new log",
              what);
}

// Seq of the first record in `data`, if its first line is one.
std::optional<std::uint64_t> first_seq(std::string_view data) {
  const std::size_t newline = data.find('\n');
  if (newline == std::string_view::npos) {
    return std::nullopt;
  }
  auto frame = parse_frame(data.substr(0, newline));
  return frame ? std::optional<std::uint64_t>(frame->seq) : std::nullopt;
}

}  // namespace

Result<TailState> check_tail(const std::vector<Segment>& segments, const std::optional<Head>& head,
                             const crypto::Ed25519PublicKey& key) {
  TailState state;
  // Load segments from the end until the one holding the head's record, from that record on;
  // what comes before it is `chitin audit verify`'s to check. With no head, everything: only a
  // lone genesis record or an empty log is acceptable then.
  std::deque<Loaded> loaded;
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    if (!head) {
      loaded.push_front(Loaded{&*it, CHITIN_TRY(sys::read_file(it->path, kMaxSegmentBytes))});
      continue;
    }
    Suffix suffix = CHITIN_TRY(suffix_from_record(*it, head->seq));
    loaded.push_front(std::move(suffix.loaded));
    const auto seq = first_seq(loaded.front().data);
    if (suffix.found || (seq && *seq <= head->seq)) {
      break;
    }
  }
  if (head && !loaded.empty()) {
    const auto seq = first_seq(loaded.front().data);
    if (!seq || *seq > head->seq) {
      return refuse(
          fmt::format("the record seq {} named by the signed head is missing", head->seq));
    }
  }

  bool found_head = !head.has_value();
  std::uint64_t records = 0;
  Hash prev = kGenesisPrev;
  std::uint64_t expected = 1;
  for (std::size_t s = 0; s < loaded.size(); ++s) {
    const std::string& data = loaded[s].data;
    const std::string& path = loaded[s].segment->path;
    const std::uint64_t base = loaded[s].base;
    // Only the last segment holding any bytes may end torn.
    bool last_with_bytes = true;
    for (std::size_t later = s + 1; later < loaded.size(); ++later) {
      last_with_bytes = last_with_bytes && loaded[later].data.empty();
    }
    std::size_t start = 0;
    while (start < data.size()) {
      const std::size_t newline = data.find('\n', start);
      const bool final_piece = newline == std::string::npos || newline + 1 == data.size();
      const std::string_view line = std::string_view(data).substr(
          start, (newline == std::string::npos ? data.size() : newline) - start);
      auto frame = parse_frame(line);
      if (newline == std::string::npos || !frame) {
        if (!(final_piece && last_with_bytes && (newline == std::string::npos || !frame))) {
          return refuse(
              fmt::format("{} has bytes that are not a record at offset {}", path, base + start));
        }
        state.torn = TailState::Torn{path, base + start, data.size() - start,
                                     fingerprint(std::string_view(data).substr(start))};
        break;
      }
      if (!frame->hash_matches()) {
        return refuse(fmt::format("record seq {} in {} was modified", frame->seq, path));
      }
      if (!found_head) {
        if (frame->seq == head->seq) {
          auto record = parse_record(line);
          if (!is_checkpoint_line(line) || frame->stored_hash != head->hash || !record ||
              !verify_checkpoint(key, frame->seq, frame->prev, record->details)) {
            return refuse(fmt::format("record seq {} is not the signed checkpoint the head names",
                                      frame->seq));
          }
          found_head = true;
        } else if (frame->seq > head->seq) {
          return refuse(
              fmt::format("the record seq {} named by the signed head is missing", head->seq));
        }
      } else if (frame->seq != expected || frame->prev != prev) {
        return refuse(
            fmt::format("the chain breaks at seq {} in {} (expected seq {} linked to "
                        "its predecessor)",
                        frame->seq, path, expected));
      }
      if (!head && frame->seq == 1) {
        auto record = parse_record(line);
        state.genesis_without_head =
            is_checkpoint_line(line) && frame->prev == kGenesisPrev && record &&
            verify_checkpoint(key, 1, kGenesisPrev, record->details).has_value();
      }
      prev = frame->stored_hash;
      expected = frame->seq + 1;
      state.last = *frame;
      ++records;
      start = newline + 1;
    }
  }
  if (head && !found_head) {
    return refuse(
        fmt::format("the audit log ends before seq {}, where its signed head is: "
                    "records were cut off",
                    head->seq));
  }
  if (!head && records > 0 && !(records == 1 && state.genesis_without_head)) {
    return refuse("the audit log has records but no signed head (audit/head was deleted?)");
  }
  return state;
}

}  // namespace chitin::audit
