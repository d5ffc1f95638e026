#pragma once
// What the writer checks before it appends to an existing log (internal to the audit module).
// It never continues a chain it has not checked back to the signed head: otherwise a new
// checkpoint, signed with the real key, would bless records edited while Chitin was stopped.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/record.h"
#include "audit/segments.h"
#include "base/crypto.h"
#include "base/result.h"

namespace chitin::audit {

struct TailState {
  std::optional<Frame> last;  // the last intact record (nullopt: the log has no records)
  // A final piece cut short by a crash: where it starts and what it was.
  struct Torn {
    std::string segment;
    std::uint64_t offset = 0;
    std::uint64_t bytes = 0;
    std::string fingerprint;
  };
  std::optional<Torn> torn;
  // True when the log is exactly one valid genesis checkpoint with no head: a crash between
  // writing the first record and its head. The head can be written again.
  bool genesis_without_head = false;
};

// Checks the chain from the checkpoint named by `head` to the end: that checkpoint exists,
// has the head's hash and a valid signature, and every later record links to it. Only the
// very end of the last segment may be torn. Any other finding is an error saying what to do.
// Reads nothing but the segments needed; changes nothing.
Result<TailState> check_tail(const std::vector<Segment>& segments, const std::optional<Head>& head,
                             const crypto::Ed25519PublicKey& key);

}  // namespace chitin::audit
