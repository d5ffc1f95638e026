#include "audit/verify.h"

#include <fmt/format.h>

#include <unordered_map>

#include "audit/record.h"
#include "audit/segments.h"
#include "base/encoding.h"
#include "sys/file_ops.h"

namespace chitin::audit {

namespace {

// Does `seq` appear in any record after (segment index, byte offset)? Used once, on the first
// forward jump, to tell reordering from deletion.
bool seq_appears_later(const std::vector<Segment>& segments, std::size_t segment_index,
                       std::size_t offset, std::uint64_t seq) {
  for (std::size_t i = segment_index; i < segments.size(); ++i) {
    auto data = sys::read_file(segments[i].path, kMaxSegmentBytes);
    if (!data) {
      return false;
    }
    std::size_t start = i == segment_index ? offset : 0;
    while (start < data->size()) {
      const std::size_t newline = std::min(data->find('\n', start), data->size());
      auto frame = parse_frame(std::string_view(*data).substr(start, newline - start));
      if (frame && frame->seq == seq) {
        return true;
      }
      start = newline + 1;
    }
  }
  return false;
}

class Verifier {
 public:
  Verifier(const crypto::Ed25519PublicKey& key, const std::vector<Segment>& segments)
      : key_(key), segments_(segments) {}

  void damage(Damage kind, std::uint64_t seq, std::string message) {
    report_.damage = kind;
    report_.bad_seq = seq;
    report_.message = std::move(message);
  }

  // Returns false once damage is found.
  bool check_line(std::size_t segment_index, std::size_t line_end, std::string_view line) {
    const std::string& path = segments_[segment_index].path;
    auto frame = parse_frame(line);
    if (!frame) {
      damage(Damage::kMalformed, expected_,
             fmt::format("{}: the bytes where seq {} should be are not a record ({})", path,
                         expected_, frame.error().message));
      return false;
    }
    if (!frame->hash_matches()) {
      damage(Damage::kModified, expected_,
             fmt::format("{}: record seq {} was modified (its hash does not match its content)",
                         path, frame->seq == expected_ ? expected_ : frame->seq));
      report_.bad_seq = frame->seq == expected_ ? expected_ : frame->seq;
      return false;
    }
    if (frame->seq == expected_) {
      if (frame->prev != prev_) {
        const std::uint64_t culprit = expected_ == 1 ? 1 : expected_ - 1;
        damage(Damage::kModified, culprit,
               fmt::format("{}: record seq {} was modified or replaced (seq {} was chained to a "
                           "different record)",
                           path, culprit, expected_));
        return false;
      }
    } else if (frame->seq > expected_) {
      if (seq_appears_later(segments_, segment_index, line_end, expected_)) {
        damage(Damage::kReordered, expected_,
               fmt::format("{}: records were reordered: seq {} appears after seq {}", path,
                           expected_, frame->seq));
      } else {
        damage(Damage::kDeleted, expected_,
               fmt::format("{}: records {}..{} were deleted", path, expected_, frame->seq - 1));
      }
      return false;
    } else {
      damage(Damage::kInserted, frame->seq,
             fmt::format("{}: a record with seq {} was inserted after seq {}", path, frame->seq,
                         expected_ - 1));
      return false;
    }
    if (is_checkpoint_line(line)) {
      auto record = parse_record(line);
      if (!record || !verify_checkpoint(key_, frame->seq, frame->prev, record->details)) {
        damage(Damage::kBadSignature, frame->seq,
               fmt::format("{}: checkpoint seq {} has a bad signature (not made with this "
                           "installation's audit key)",
                           path, frame->seq));
        return false;
      }
      ++report_.checkpoints;
      checkpoint_hashes_[frame->seq] = frame->stored_hash;
    }
    prev_ = frame->stored_hash;
    report_.last_seq = frame->seq;
    ++report_.records;
    ++expected_;
    return true;
  }

  bool check_segment(std::size_t index, const std::string& data) {
    const bool last_segment = index + 1 == segments_.size();
    std::size_t start = 0;
    while (start < data.size()) {
      const std::size_t newline = data.find('\n', start);
      if (newline == std::string::npos) {
        if (last_segment) {
          report_.torn =
              VerifyReport::Torn{segments_[index].path, report_.last_seq, data.size() - start};
          return true;
        }
        damage(Damage::kMalformed, expected_,
               fmt::format("{} ends in the middle of a record but is not the last segment",
                           segments_[index].path));
        return false;
      }
      const std::string_view line = std::string_view(data).substr(start, newline - start);
      if (last_segment && newline + 1 == data.size() && !parse_frame(line)) {
        // The final line is not a record at all: a write cut short (or zero-filled by a power
        // cut), exactly what the writer repairs at its next start.
        report_.torn =
            VerifyReport::Torn{segments_[index].path, report_.last_seq, data.size() - start};
        return true;
      }
      if (!check_line(index, newline + 1, line)) {
        return false;
      }
      start = newline + 1;
    }
    return true;
  }

  void check_head(const std::optional<Head>& head) {
    if (!head) {
      if (report_.records > 0) {
        damage(Damage::kHeadMissing, report_.last_seq + 1,
               "the signed head (audit/head) is missing, so truncation cannot be ruled out");
      }
      return;
    }
    report_.head_seq = head->seq;
    if (!verify_head(key_, *head)) {
      damage(Damage::kBadSignature, head->seq,
             fmt::format("the signed head (seq {}) does not verify with the audit public key",
                         head->seq));
      return;
    }
    if (head->seq > report_.last_seq) {
      damage(Damage::kTruncated, report_.last_seq + 1,
             fmt::format("records after seq {} were cut off: the signed head covers up to "
                         "checkpoint seq {}",
                         report_.last_seq, head->seq));
      return;
    }
    const auto it = checkpoint_hashes_.find(head->seq);
    if (it == checkpoint_hashes_.end() || it->second != head->hash) {
      damage(Damage::kModified, head->seq,
             fmt::format("checkpoint seq {} is not the one the signed head names", head->seq));
    }
  }

  VerifyReport& report() { return report_; }

 private:
  const crypto::Ed25519PublicKey& key_;
  const std::vector<Segment>& segments_;
  VerifyReport report_;
  std::uint64_t expected_ = 1;
  Hash prev_ = kGenesisPrev;
  std::unordered_map<std::uint64_t, Hash> checkpoint_hashes_;
};

}  // namespace

std::string_view to_string(Damage damage) {
  switch (damage) {
    case Damage::kNone:
      return "none";
    case Damage::kModified:
      return "modified";
    case Damage::kDeleted:
      return "deleted";
    case Damage::kInserted:
      return "inserted";
    case Damage::kReordered:
      return "reordered";
    case Damage::kTruncated:
      return "truncated";
    case Damage::kBadSignature:
      return "bad_signature";
    case Damage::kMalformed:
      return "malformed";
    case Damage::kHeadMissing:
      return "head_missing";
  }
  return "unknown";
}

nlohmann::json VerifyReport::to_json() const {
  nlohmann::json j{{"ok", ok()},
                   {"records", records},
                   {"checkpoints", checkpoints},
                   {"segments", segments},
                   {"last_seq", last_seq},
                   {"head_seq", head_seq ? nlohmann::json(*head_seq) : nlohmann::json()},
                   {"damage", nullptr},
                   {"torn_tail", nullptr}};
  if (!ok()) {
    j["damage"] = {{"kind", to_string(damage)}, {"seq", bad_seq}, {"message", message}};
  }
  if (torn) {
    j["torn_tail"] = {
        {"segment", torn->segment}, {"after_seq", torn->after_seq}, {"bytes", torn->bytes}};
  }
  return j;
}

std::string VerifyReport::to_text() const {
  std::string out;
  if (ok()) {
    out = fmt::format(
        "audit log ok: {} records in {} segment(s), {} signed checkpoint(s), last "
        "seq {}",
        records, segments, checkpoints, last_seq);
    if (head_seq) {
      out += fmt::format(", signed head at seq {}", *head_seq);
    }
    out += "\n";
  } else {
    out = fmt::format("audit log damaged: {} at seq {}: {}\n", to_string(damage), bad_seq, message);
  }
  if (torn) {
    out += fmt::format(
        "torn final record: {} bytes after seq {} in {} (a write cut short by a crash; the "
        "intact prefix verifies, and the next writer removes it)\n",
        torn->bytes, torn->after_seq, torn->segment);
  }
  return out;
}

Result<VerifyReport> verify_log(const std::string& dir, const crypto::Ed25519PublicKey& key) {
  // The head is read first: a writer appends records before it moves the head past them, so
  // reading in this order never sees a head beyond the records (no false "truncated").
  auto head = read_head(dir);
  const std::vector<Segment> segments = CHITIN_TRY(list_segments(dir));
  Verifier verifier(key, segments);
  verifier.report().segments = segments.size();
  bool intact = true;
  for (std::size_t i = 0; i < segments.size() && intact; ++i) {
    const std::string data = CHITIN_TRY(sys::read_file(segments[i].path, kMaxSegmentBytes));
    intact = verifier.check_segment(i, data);
  }
  if (intact) {
    if (!head) {
      verifier.damage(Damage::kBadSignature, verifier.report().last_seq, head.error().describe());
    } else {
      verifier.check_head(*head);
    }
  }
  return std::move(verifier.report());
}

}  // namespace chitin::audit
