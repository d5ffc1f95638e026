#pragma once
// The files of an audit directory: numbered segments and the signed head.
//   audit/segment-000001.log, segment-000002.log, ...   records, chained across files
//   audit/head                                           latest checkpoint, signed

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/record.h"
#include "base/crypto.h"
#include "base/result.h"

namespace chitin::audit {

// The largest segment a reader loads whole (verify, recovery); the writer rolls over long
// before this.
inline constexpr std::uint64_t kMaxSegmentBytes = std::uint64_t{16} << 30;

struct Segment {
  std::uint64_t number = 0;
  std::string path;
};

std::string segment_path(const std::string& dir, std::uint64_t number);
std::string head_path(const std::string& dir);

// Segments in ascending number. Files that are not segments (the head, temporaries) are
// skipped; a "segment-*" name that does not parse is an error.
Result<std::vector<Segment>> list_segments(const std::string& dir);

// The signed head: the seq and hash of the latest checkpoint record, signed with the audit
// key, kept outside the segments so that cutting records off the end is detected.
struct Head {
  std::uint64_t seq = 0;
  Hash hash{};
  crypto::Ed25519Signature signature{};
};

Head sign_head(const crypto::Ed25519SecretKey& key, std::uint64_t seq, const Hash& hash);
Result<void> verify_head(const crypto::Ed25519PublicKey& key, const Head& head);
// Atomic replace of audit/head.
Result<void> write_head(const std::string& dir, const Head& head);
// nullopt when there is no head file; an error when it exists but is malformed.
Result<std::optional<Head>> read_head(const std::string& dir);

// Checkpoint records (type "audit.checkpoint") sign the chain up to their predecessor:
// the message is "chitin.audit.checkpoint.v1\n<seq>\n<prev hex>\n".
nlohmann::json checkpoint_details(const crypto::Ed25519SecretKey& key, std::uint64_t seq,
                                  const Hash& prev, std::string_view reason);
Result<void> verify_checkpoint(const crypto::Ed25519PublicKey& key, std::uint64_t seq,
                               const Hash& prev, const nlohmann::json& details);
// True if the record line's type is audit.checkpoint (cheap; no JSON parse).
bool is_checkpoint_line(std::string_view line);

// "ed25519:" + first 16 hex digits of the public key: names the key in checkpoints.
std::string key_id(const crypto::Ed25519PublicKey& key);

}  // namespace chitin::audit
