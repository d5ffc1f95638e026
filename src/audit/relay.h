#pragma once
// Records from processes that do not hold the audit log (docs/audit-format.md "Relayed
// records"). One process at a time writes the log: the one holding audit/lock (the gateway,
// `chitin agent --local`, a CLI command). Another process that must record an event — say
// `chitin skill install` while the gateway runs — hands it over through audit/relay/:
//   1. the sender writes NAME.event (atomically, synced): the event, its pid and a deadline;
//   2. the holder's relay thread (woken by inotify, and once a second) claims it by renaming
//      it to NAME.taken, appends it durably with {"relayed": {"pid": P}} added to its
//      details, writes NAME.ack with the seq (or the error) and removes the claim;
//   3. the sender reads the ack. Without one by the deadline it withdraws its event (when
//      still unclaimed) and fails, so its action does not happen (fail closed).
// An event found past its deadline is dropped unrecorded: its sender gave up and did nothing.
// If the holder goes away while a sender waits, the sender takes the lock and becomes the
// holder (AuditLog does that), and the new holder first ingests the waiting events.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "audit/record.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace chitin::audit {

inline constexpr std::string_view kRelayDirName = "relay";
inline constexpr std::size_t kMaxRelayedBytes = 1 << 20;

using WallClock = std::chrono::system_clock;

// --- the sender ---------------------------------------------------------------------------

// Writes the event for the holder; returns its name.
Result<std::string> submit_relayed(const std::string& audit_dir, const Event& event,
                                   WallClock::time_point deadline);
// The seq the holder gave it, nullopt while there is no ack yet, or the holder's error.
Result<std::optional<std::uint64_t>> take_ack(const std::string& audit_dir,
                                              const std::string& name);
// Removes the event if the holder has not claimed it; true when withdrawn.
bool withdraw_relayed(const std::string& audit_dir, const std::string& name);

// --- the holder ---------------------------------------------------------------------------

using RelayAppend = std::function<Result<std::uint64_t>(const Event&)>;  // must be durable

class RelayReceiver {
 public:
  // Ingests what is waiting, then watches the directory on a thread of its own.
  static Result<std::unique_ptr<RelayReceiver>> start(std::string audit_dir, RelayAppend append);
  ~RelayReceiver();
  RelayReceiver(const RelayReceiver&) = delete;
  RelayReceiver& operator=(const RelayReceiver&) = delete;

  void stop();  // idempotent; no append happens after it returns
  // One pass over the directory.
  void ingest();

 private:
  struct PrivateTag {};

 public:
  RelayReceiver(PrivateTag tag, std::string dir, RelayAppend append, UniqueFd watch,
                UniqueFd stop_read, UniqueFd stop_write);

 private:
  void run();
  void ingest_one(const std::string& name);
  void remove_stale_acks();

  std::string dir_;  // audit/relay
  RelayAppend append_;
  UniqueFd watch_;  // inotify; empty: polled once a second
  UniqueFd stop_read_;
  UniqueFd stop_write_;
  std::thread thread_;
  std::once_flag stopped_;
};

}  // namespace chitin::audit
