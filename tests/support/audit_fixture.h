#pragma once
// Helpers for audit-log tests: a temp log directory with a fresh key pair, and line-level
// editing of segment files to simulate tampering.

#include <string>
#include <vector>

#include "audit/log.h"
#include "base/crypto.h"
#include "support/temp_dir.h"

namespace chitin::testing {

class AuditFixture {
 public:
  AuditFixture();

  [[nodiscard]] std::string dir() const { return temp_.file("audit"); }
  [[nodiscard]] const crypto::Ed25519PublicKey& public_key() const { return pair_.public_key; }
  [[nodiscard]] crypto::Ed25519SecretKey secret_key() const;  // a copy

  // Options with a short flush interval so tests run fast.
  [[nodiscard]] audit::LogOptions options() const;
  std::unique_ptr<audit::AuditLog> open(const audit::LogOptions& options);
  std::unique_ptr<audit::AuditLog> open() { return open(options()); }

  // Writes `count` tool.exec events (details {"i": n}) and closes the log.
  void write_events(int count, const audit::LogOptions& options);
  void write_events(int count) { write_events(count, options()); }

  // Lines (without '\n') of one segment, and writing them back.
  [[nodiscard]] std::vector<std::string> lines(int segment = 1) const;
  void set_lines(const std::vector<std::string>& lines, int segment = 1) const;
  // Index of the line holding `seq` in segment 1.
  [[nodiscard]] std::size_t index_of(std::uint64_t seq, int segment = 1) const;

  // Re-encodes lines from `from` on so that their prev/hash chain is valid again (what an
  // attacker without the audit key can do).
  static void rechain(std::vector<std::string>& lines, std::size_t from);

 private:
  TempDir temp_;
  crypto::Ed25519KeyPair pair_;
};

// The event types of every record in the audit directory, in order (after flushing `log`).
std::vector<std::string> audit_record_types(audit::AuditLog& log, const std::string& audit_dir);

}  // namespace chitin::testing
