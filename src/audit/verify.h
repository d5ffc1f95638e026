#pragma once
// Verification of an audit directory: the hash chain across all segments, every checkpoint
// signature, and the signed head. Read-only; safe while a writer is appending (it sees a
// prefix).

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/result.h"

namespace chitin::audit {

enum class Damage : std::uint8_t {
  kNone,
  kModified,      // a record's bytes changed (its hash, or its successor's prev, disagrees)
  kDeleted,       // records are missing: seq jumps forward and the missing ones never appear
  kInserted,      // a record that does not belong: a repeated or backward seq
  kReordered,     // a missing seq appears later in the log
  kTruncated,     // the signed head is past the last record: records were cut off the end
  kBadSignature,  // a checkpoint or the head does not verify with the audit public key
  kMalformed,     // bytes that are not a record, in the middle of the log
  kHeadMissing,   // records exist but audit/head does not
};

std::string_view to_string(Damage damage);

struct VerifyReport {
  std::uint64_t records = 0;
  std::uint64_t checkpoints = 0;
  std::uint64_t segments = 0;
  std::uint64_t last_seq = 0;  // of the intact prefix
  std::optional<std::uint64_t> head_seq;
  Damage damage = Damage::kNone;
  std::uint64_t bad_seq = 0;  // the first seq at which the damage shows
  std::string message;        // what is wrong, for people
  // A record cut short at the very end of the log by a crash: reported, not damage.
  struct Torn {
    std::string segment;
    std::uint64_t after_seq = 0;
    std::uint64_t bytes = 0;
  };
  std::optional<Torn> torn;

  [[nodiscard]] bool ok() const { return damage == Damage::kNone; }
  [[nodiscard]] nlohmann::json to_json() const;
  [[nodiscard]] std::string to_text() const;
};

// An error result means the log could not be read at all (e.g. permissions); damage found in
// what could be read is reported in the VerifyReport.
Result<VerifyReport> verify_log(const std::string& dir, const crypto::Ed25519PublicKey& key);

}  // namespace chitin::audit
