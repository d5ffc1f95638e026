#include "audit/recovery.h"

#include <fmt/format.h>

#include <deque>

#include "sys/file_ops.h"

namespace chitin::audit {

namespace {

struct Loaded {
  const Segment* segment;
  std::string data;
};

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
  // Load segments from the end until one starts at or before the head's seq (with no head,
  // everything: only a lone genesis record or an empty log is acceptable then).
  std::deque<Loaded> loaded;
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    loaded.push_front(Loaded{&*it, CHITIN_TRY(sys::read_file(it->path, kMaxSegmentBytes))});
    const auto seq = first_seq(loaded.front().data);
    if (head && seq && *seq <= head->seq) {
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
              fmt::format("{} has bytes that are not a record at offset {}", path, start));
        }
        state.torn = TailState::Torn{path, start, data.size() - start,
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
