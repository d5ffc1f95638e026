#pragma once
// One audit record: its canonical encoding, its hash, and a fast parse of its frame.
// The format is specified in docs/audit-format.md; keep the two in step.
//
// A record is one line of canonical JSON, keys in this fixed order, no whitespace:
//   {"seq":N,"ts":"…","type":"…","actor":"…","session":"…","details":{…},"prev":"<64 hex>",
//    "hash":"<64 hex>"}\n
// hash = BLAKE2b-256("chitin.audit.v1\n" || the line up to, not including, `,"hash":"`).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/result.h"

namespace chitin::audit {

using Hash = crypto::Blake2b256Digest;
inline constexpr Hash kGenesisPrev{};  // all zero: the `prev` of seq 1

inline constexpr std::size_t kMaxTypeBytes = 64;
inline constexpr std::size_t kMaxActorBytes = 256;
inline constexpr std::size_t kMaxSessionBytes = 256;
inline constexpr std::size_t kMaxDetailsBytes = 16 * 1024;
inline constexpr std::size_t kMaxLineBytes = 64 * 1024;
inline constexpr std::size_t kMaxJsonDepth = 32;

// What a caller records. `details` must never hold secrets or raw personal data: store
// redacted forms or hashes (see redact_for_audit and fingerprint).
struct Event {
  std::string type;     // dotted lower case, e.g. "tool.exec", "auth.fail"
  std::string actor;    // who acted: "agent:main", "cli", "gateway:127.0.0.1"
  std::string session;  // session key, or empty
  nlohmann::json details = nlohmann::json::object();  // null is recorded as {}
};

// Checks the type's shape: [a-z][a-z0-9_]* labels joined by '.', at least two labels.
Result<void> check_event_type(std::string_view type);

// Types fsynced before append returns: auth.*, config.*, skill.install (and checkpoints).
bool is_critical_type(std::string_view type);

// A record encoded for the log.
struct EncodedRecord {
  std::string line;  // including the final '\n'
  Hash hash{};
};

// Encodes a record. Validates sizes and the type; `ts` must be RFC 3339 UTC.
Result<EncodedRecord> encode_record(std::uint64_t seq, std::string_view ts, const Event& event,
                                    const Hash& prev);

// The fields a verifier needs, read at fixed offsets without a JSON parse.
struct Frame {
  std::uint64_t seq = 0;
  Hash prev{};
  Hash stored_hash{};
  Hash computed_hash{};  // hash of the line's hashed prefix
  [[nodiscard]] bool hash_matches() const { return stored_hash == computed_hash; }
};

// Parses the frame of one line (without its '\n'). An error means the line is not a record
// at all (malformed or cut short).
Result<Frame> parse_frame(std::string_view line);

Hash hash_prefix(std::string_view hashed_prefix);

// A record fully parsed (for tail and export).
struct ParsedRecord {
  std::uint64_t seq = 0;
  std::string ts;
  std::string type;
  std::string actor;
  std::string session;
  nlohmann::json details;
  std::string prev;  // hex
  std::string hash;  // hex
};
Result<ParsedRecord> parse_record(std::string_view line);

// "2026-11-25T02:14:00.123456Z" for now (UTC, microseconds).
std::string now_rfc3339();
// Microseconds since the epoch of an RFC 3339 UTC time ("…Z", optional fraction).
Result<std::int64_t> parse_rfc3339_micros(std::string_view ts);

// Returns a copy of `details` in which strings that look like Chitin tokens or PEM private
// keys are replaced by "[redacted]" — a last line of defence, not a licence to pass secrets.
nlohmann::json redact_for_audit(const nlohmann::json& details);
// "blake2b:" + the first 16 hex digits of BLAKE2b-256(value): a stable, non-reversible tag
// for recording *which* value was involved without recording the value.
std::string fingerprint(std::string_view value);

}  // namespace chitin::audit
