#pragma once
// The audit log writer: hash-chained records, group commit, signed checkpoints, rotation.
// docs/audit-format.md describes what lands on disk.
//
// Contract for callers: an action that cannot be audited must not happen. append() returns
// an error once the log cannot be written (disk full, I/O error, permissions); from then on
// every append fails until the process restarts with a writable log, and health() says why.
// Tool execution and egress check the append result before they act (fail closed).
//
// Durability: append() returns once the record is in the chain. Ordinary records reach the
// disk (write + fdatasync) within `flush_interval`; security-critical ones (auth.*, config.*,
// skill.install — see is_critical_type) are durable before append() returns.
//
// Thread-safe: any number of threads may append; records get consecutive seq numbers in the
// order append() takes the lock. One background thread writes and syncs. One process at a
// time may hold a log open (an flock on audit/lock); with `relay_when_held`, a process that
// finds it held gets a log that hands each event to the holder instead (audit/relay.h) and
// becomes the holder itself if the other process goes away.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "audit/record.h"
#include "audit/recovery.h"
#include "audit/relay.h"
#include "audit/segments.h"
#include "base/crypto.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "config/config.h"
#include "config/state_dir.h"

namespace chitin::audit {

struct LogOptions {
  std::string dir;  // $CHITIN_HOME/audit
  std::chrono::milliseconds flush_interval{50};
  std::uint64_t segment_max_bytes = 64ULL << 20;
  std::uint64_t checkpoint_every = 1000;
  std::chrono::milliseconds checkpoint_interval{10000};
  std::chrono::milliseconds lock_timeout{5000};  // wait this long for another process's lock
  // Instead of waiting for the lock, relay events to the process that holds it (the
  // installation's log does: the gateway holds it for as long as it runs).
  bool relay_when_held = false;
  std::chrono::milliseconds relay_timeout{10000};  // for the holder to record a relayed event
  std::string actor = "chitin";                    // actor of the log's own records
};

LogOptions log_options(const config::AuditConfig& config, std::string dir);

struct Health {
  bool ok = true;
  std::string problem;  // why the log refuses appends, when !ok
};

class AuditLog {
 public:
  // Opens (or creates, with a signed genesis checkpoint) the log in options.dir. Repairs a
  // torn final record left by a crash (recording an audit.repair event) and refuses to open a
  // log whose signed head is past its last record (records were cut off) or is missing.
  static Result<std::unique_ptr<AuditLog>> open(LogOptions options, crypto::Ed25519SecretKey key);
  // Clean shutdown: writes a final checkpoint and syncs (errors are logged).
  ~AuditLog();

 private:
  struct PrivateTag {};

 public:
  // Use open(); the tag keeps the constructor out of reach of everyone else.
  AuditLog(PrivateTag tag, LogOptions options, crypto::Ed25519SecretKey key);
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends one event; returns its seq. Types starting with "audit." are reserved.
  Result<std::uint64_t> append(const Event& event);
  // Applied to every string (and key) of every event's details before it is written, after
  // the built-in redaction: the secrets broker installs one that replaces stored secret
  // values (docs/secrets.md). Set it before other threads append.
  void set_redactor(std::function<std::string(std::string_view)> redactor);
  // Blocks until every record appended so far is durable.
  Result<void> flush();
  // Final checkpoint, sync, stop. Further appends fail. Idempotent.
  Result<void> close();

  [[nodiscard]] Health health() const;
  [[nodiscard]] std::uint64_t last_seq() const;
  // True while events go to another process that holds the log.
  [[nodiscard]] bool relaying() const;

  // Test hook: the next write or sync fails with `error_number` (as a full disk would).
  void inject_write_failure_for_test(int error_number);

 private:
  static Result<std::unique_ptr<AuditLog>> open_held(LogOptions options,
                                                     crypto::Ed25519SecretKey key, UniqueFd lock);
  Result<std::uint64_t> relay(const Event& event);
  Result<void> recover_or_create();
  Result<void> cut_torn_tail(const TailState::Torn& torn);
  Result<std::uint64_t> append_locked(const Event& event, std::unique_lock<std::mutex>& lock);
  void append_checkpoint_locked(std::string_view reason);
  Result<void> wait_durable_locked(std::uint64_t seq, std::unique_lock<std::mutex>& lock);
  void flusher_main();
  Result<void> write_batch(const std::string& batch, const std::optional<Head>& head);
  Result<void> open_segment(std::uint64_t number, bool create);

  const LogOptions options_;
  const crypto::Ed25519SecretKey key_;
  UniqueFd lock_fd_;
  std::function<std::string(std::string_view)> redactor_;  // set before concurrent use

  mutable std::mutex mu_;
  std::condition_variable flusher_wake_;  // signalled on new work and on stop
  std::condition_variable durable_;       // signalled after each batch
  // Guarded by mu_:
  std::uint64_t next_seq_ = 1;
  Hash last_hash_{};
  std::string pending_;
  std::chrono::steady_clock::time_point pending_since_;
  std::optional<Head> pending_head_;
  std::uint64_t durable_seq_ = 0;
  std::uint64_t records_since_checkpoint_ = 0;
  std::chrono::steady_clock::time_point last_checkpoint_;
  bool flush_requested_ = false;
  bool stopping_ = false;
  bool closing_ = false;  // close() has begun (others wait for closed_)
  bool closed_ = false;
  std::optional<Error> fault_;
  int injected_errno_ = 0;

  // Owned by the flusher thread once it runs (by open() before that):
  UniqueFd segment_fd_;
  std::uint64_t segment_number_ = 0;
  std::uint64_t segment_bytes_ = 0;

  std::thread flusher_;
  std::unique_ptr<RelayReceiver> receiver_;  // the holder's: records other processes' events

  // Relay mode (another process held the lock at open):
  bool relay_mode_ = false;
  std::mutex relay_mu_;
  std::unique_ptr<AuditLog> upgraded_;            // set once this process took the lock over
  std::atomic<AuditLog*> upgraded_raw_{nullptr};  // the same, readable without relay_mu_
  std::atomic<std::uint64_t> relayed_seq_{0};
};

// Opens the audit log of an installation: its audit/ directory, its [audit] settings and its
// audit key from keys/. The one way commands open the log.
Result<std::unique_ptr<AuditLog>> open_installation_log(const config::StatePaths& paths,
                                                        const config::Config& config);

}  // namespace chitin::audit
