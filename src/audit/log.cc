#include "audit/log.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "audit/recovery.h"
#include "base/check.h"
#include "base/log.h"
#include "sys/file_ops.h"

namespace chitin::audit {

namespace {

using Clock = std::chrono::steady_clock;

nlohmann::json apply_redactor(const nlohmann::json& details,
                              const std::function<std::string(std::string_view)>& redactor) {
  if (details.is_string()) {
    return redactor(details.get_ref<const std::string&>());
  }
  if (details.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : details.items()) {
      out[redactor(key)] = apply_redactor(value, redactor);
    }
    return out;
  }
  if (details.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& value : details) {
      out.push_back(apply_redactor(value, redactor));
    }
    return out;
  }
  return details;
}

// flock with a deadline, so a short-lived CLI command can wait for another one.
Result<UniqueFd> lock_directory(const std::string& dir, std::chrono::milliseconds timeout) {
  UniqueFd fd = CHITIN_TRY(sys::open_file(dir + "/lock", O_RDWR | O_CREAT | O_NOFOLLOW, 0600));
  const auto deadline = Clock::now() + timeout;
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      return errno_fail(fmt::format("cannot lock {}/lock", dir));
    }
    if (Clock::now() >= deadline) {
      return fail(ErrorCode::kUnavailable,
                  "the audit log in {} is held by another Chitin process; stop it or wait", dir);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return fd;
}

}  // namespace

LogOptions log_options(const config::AuditConfig& config, std::string dir) {
  LogOptions options;
  options.dir = std::move(dir);
  options.flush_interval = std::chrono::milliseconds(config.flush_interval_ms);
  options.segment_max_bytes = static_cast<std::uint64_t>(config.segment_max_mb) << 20;
  options.checkpoint_every = static_cast<std::uint64_t>(config.checkpoint_every);
  options.checkpoint_interval = std::chrono::seconds(config.checkpoint_interval_s);
  return options;
}

Result<std::unique_ptr<AuditLog>> open_installation_log(const config::StatePaths& paths,
                                                        const config::Config& config) {
  crypto::Ed25519SecretKey key = CHITIN_TRY(config::load_audit_secret_key(paths));
  LogOptions options = log_options(config.audit, paths.audit_dir());
  options.relay_when_held = true;
  return AuditLog::open(std::move(options), std::move(key));
}

AuditLog::AuditLog(PrivateTag /*only open() constructs*/, LogOptions options,
                   crypto::Ed25519SecretKey key)
    : options_(std::move(options)), key_(std::move(key)) {}

Result<std::unique_ptr<AuditLog>> AuditLog::open(LogOptions options, crypto::Ed25519SecretKey key) {
  CHITIN_TRY(sys::ensure_directory(options.dir, 0700));
  auto lock = lock_directory(
      options.dir, options.relay_when_held ? std::chrono::milliseconds(0) : options.lock_timeout);
  if (!lock && lock.error().code == ErrorCode::kUnavailable && options.relay_when_held) {
    auto log = std::make_unique<AuditLog>(PrivateTag{}, std::move(options), std::move(key));
    log->relay_mode_ = true;
    return log;
  }
  return open_held(std::move(options), std::move(key), CHITIN_TRY(std::move(lock)));
}

Result<std::unique_ptr<AuditLog>> AuditLog::open_held(LogOptions options,
                                                      crypto::Ed25519SecretKey key, UniqueFd lock) {
  auto log = std::make_unique<AuditLog>(PrivateTag{}, std::move(options), std::move(key));
  log->lock_fd_ = std::move(lock);
  CHITIN_RETURN_IF_ERROR(log->recover_or_create());
  log->last_checkpoint_ = Clock::now();
  log->flusher_ = std::thread([raw = log.get()] { raw->flusher_main(); });
  // Events other processes hand over while this one holds the log; each is durable before
  // its sender hears back.
  auto receiver = RelayReceiver::start(
      log->options_.dir, [raw = log.get()](const Event& event) -> Result<std::uint64_t> {
        const std::uint64_t seq = CHITIN_TRY(raw->append(event));
        CHITIN_RETURN_IF_ERROR(raw->flush());
        return seq;
      });
  if (receiver) {
    log->receiver_ = std::move(*receiver);
  } else {
    CHITIN_LOG(kWarn, "other Chitin processes cannot record audit events while this one runs: {}",
               receiver.error().describe());
  }
  return log;
}

Result<std::uint64_t> AuditLog::relay(const Event& event) {
  std::lock_guard guard(relay_mu_);
  if (upgraded_) {
    return upgraded_->append(event);
  }
  // The file holds what the log will: redacted here already, never the raw values.
  Event redacted{event.type, event.actor, event.session, redact_for_audit(event.details)};
  if (redactor_) {
    redacted.details = apply_redactor(redacted.details, redactor_);
  }
  const auto deadline = WallClock::now() + options_.relay_timeout;
  const std::string name = CHITIN_TRY(submit_relayed(options_.dir, redacted, deadline));
  auto next_lock_try = Clock::now();
  bool claimed = false;
  // On any failure below the event is withdrawn if still unclaimed: a later holder must not
  // record an action this process refused.
  const auto give_up = [&](Error error) -> Result<std::uint64_t> {
    (void)withdraw_relayed(options_.dir, name);
    return fail(std::move(error));
  };
  for (;;) {
    auto ack = take_ack(options_.dir, name);
    if (!ack) {
      return give_up(ack.error());
    }
    if (*ack) {
      relayed_seq_ = **ack;
      return **ack;
    }
    if (!upgraded_ && Clock::now() >= next_lock_try) {
      // The holder may have gone: then this process takes over, and its receiver records
      // the waiting events, this one included.
      next_lock_try = Clock::now() + std::chrono::milliseconds(100);
      if (auto lock = lock_directory(options_.dir, std::chrono::milliseconds(0))) {
        LogOptions held = options_;
        held.relay_when_held = false;
        auto key = crypto::Ed25519SecretKey::from_bytes(key_.bytes());
        if (!key) {
          return give_up(key.error());
        }
        auto opened = open_held(std::move(held), std::move(*key), std::move(*lock));
        if (!opened) {
          return give_up(opened.error());
        }
        upgraded_ = std::move(*opened);
        if (redactor_) {
          upgraded_->set_redactor(redactor_);
        }
        upgraded_raw_ = upgraded_.get();
        continue;
      }
    }
    if (WallClock::now() >= deadline && !claimed) {
      if (withdraw_relayed(options_.dir, name)) {
        return fail(ErrorCode::kUnavailable,
                    "another Chitin process holds the audit log in {} and did not record the "
                    "event within {} ms, so the action is refused; is that process stuck?",
                    options_.dir, options_.relay_timeout.count());
      }
      claimed = true;  // taken just now: its ack is on the way
    }
    if (claimed && WallClock::now() >= deadline + options_.relay_timeout) {
      return fail(ErrorCode::kUnavailable,
                  "the process holding the audit log took the event but never answered");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Result<void> AuditLog::open_segment(std::uint64_t number, bool create) {
  const std::string path = segment_path(options_.dir, number);
  const int flags = O_WRONLY | O_APPEND | O_NOFOLLOW | (create ? O_CREAT | O_EXCL : 0);
  segment_fd_ = CHITIN_TRY(sys::open_file(path, flags, 0600));
  if (create) {
    CHITIN_RETURN_IF_ERROR(sys::fsync_directory(options_.dir));
  }
  segment_number_ = number;
  segment_bytes_ = static_cast<std::uint64_t>(CHITIN_TRY(sys::status_of(path)).size);
  return {};
}

Result<void> AuditLog::recover_or_create() {
  const std::vector<Segment> segments = CHITIN_TRY(list_segments(options_.dir));
  const std::optional<Head> head = CHITIN_TRY(read_head(options_.dir));
  if (head) {
    if (auto valid = verify_head(key_.public_key(), *head); !valid) {
      return fail(ErrorCode::kIntegrity,
                  "the signed head of the audit log in {} does not verify with this "
                  "installation's audit key; run 'chitin audit verify'",
                  options_.dir);
    }
  }
  // Every check comes before any change: a log we refuse stays exactly as we found it.
  const TailState tail = CHITIN_TRY(check_tail(segments, head, key_.public_key()));

  if (!tail.last) {
    // A new log (or one whose creation crashed before its first record was complete).
    if (tail.torn) {
      CHITIN_RETURN_IF_ERROR(cut_torn_tail(*tail.torn));
    }
    CHITIN_RETURN_IF_ERROR(segments.empty() ? open_segment(1, true)
                                            : open_segment(segments.back().number, false));
    std::unique_lock lock(mu_);
    append_checkpoint_locked("genesis");
    // Written synchronously: the flusher thread is not running yet.
    std::string batch = std::move(pending_);
    pending_.clear();
    std::optional<Head> genesis_head = std::move(pending_head_);
    pending_head_.reset();
    flush_requested_ = false;
    CHITIN_RETURN_IF_ERROR(write_batch(batch, genesis_head));
    durable_seq_ = next_seq_ - 1;
    return {};
  }
  std::optional<nlohmann::json> repair;
  if (tail.torn) {
    CHITIN_RETURN_IF_ERROR(cut_torn_tail(*tail.torn));
    repair =
        nlohmann::json{{"segment", tail.torn->segment.substr(tail.torn->segment.rfind('/') + 1)},
                       {"torn_bytes", tail.torn->bytes},
                       {"torn_fingerprint", tail.torn->fingerprint}};
  }
  if (tail.genesis_without_head) {
    // The crash came between the genesis record and its head: write the head again.
    CHITIN_RETURN_IF_ERROR(write_head(options_.dir, sign_head(key_, 1, tail.last->stored_hash)));
  }
  CHITIN_RETURN_IF_ERROR(open_segment(segments.back().number, false));
  std::unique_lock lock(mu_);
  next_seq_ = tail.last->seq + 1;
  last_hash_ = tail.last->stored_hash;
  durable_seq_ = tail.last->seq;
  if (repair) {
    CHITIN_TRY(append_locked(Event{"audit.repair", options_.actor, "", *repair}, lock));
  }
  CHITIN_TRY(append_locked(
      Event{"audit.open", options_.actor, "", nlohmann::json{{"pid", ::getpid()}}}, lock));
  return {};
}

Result<void> AuditLog::cut_torn_tail(const TailState::Torn& torn) {
  // A crash cut the last write short. Cut the partial record off, so the chain goes on from
  // the last intact one; the caller records what was removed.
  UniqueFd fd = CHITIN_TRY(sys::open_file(torn.segment, O_WRONLY | O_NOFOLLOW));
  if (::ftruncate(fd.get(), static_cast<off_t>(torn.offset)) != 0 || ::fsync(fd.get()) != 0) {
    return errno_fail(fmt::format("cannot remove the torn record at the end of {}", torn.segment));
  }
  return {};
}

void AuditLog::set_redactor(std::function<std::string(std::string_view)> redactor) {
  redactor_ = std::move(redactor);
}

Result<std::uint64_t> AuditLog::append(const Event& event) {
  if (event.type.starts_with("audit.")) {
    return fail(ErrorCode::kInvalidInput,
                "audit event type '{}' is reserved for the audit log itself", event.type);
  }
  if (relay_mode_) {
    return relay(event);
  }
  Event redacted{event.type, event.actor, event.session, redact_for_audit(event.details)};
  if (redactor_) {
    redacted.details = apply_redactor(redacted.details, redactor_);
  }
  std::unique_lock lock(mu_);
  const std::uint64_t seq = CHITIN_TRY(append_locked(redacted, lock));
  if (is_critical_type(event.type)) {
    CHITIN_RETURN_IF_ERROR(wait_durable_locked(seq, lock));
  }
  return seq;
}

Result<std::uint64_t> AuditLog::append_locked(const Event& event,
                                              std::unique_lock<std::mutex>& lock) {
  (void)lock;  // REQUIRES: holds mu_
  if (fault_) {
    return fail(ErrorCode::kUnavailable,
                "the audit log cannot be written ({}); the action is refused until it can",
                fault_->describe());
  }
  if (closed_ || stopping_) {
    return fail(ErrorCode::kUnavailable, "the audit log is closed; the action is refused");
  }
  const std::uint64_t seq = next_seq_;
  const EncodedRecord record = CHITIN_TRY(encode_record(seq, now_rfc3339(), event, last_hash_));
  if (pending_.empty()) {
    pending_since_ = Clock::now();
    flusher_wake_.notify_one();
  }
  pending_ += record.line;
  last_hash_ = record.hash;
  ++next_seq_;
  if (++records_since_checkpoint_ >= options_.checkpoint_every) {
    append_checkpoint_locked("count");
  }
  return seq;
}

void AuditLog::append_checkpoint_locked(std::string_view reason) {
  if (stopping_) {
    return;  // the flusher may be gone; close() wrote the final checkpoint
  }
  const std::uint64_t seq = next_seq_;
  const Event event{"audit.checkpoint", options_.actor, "",
                    checkpoint_details(key_, seq, last_hash_, reason)};
  auto record = encode_record(seq, now_rfc3339(), event, last_hash_);
  CHITIN_CHECK(record.has_value(), "a checkpoint record failed to encode");
  if (pending_.empty()) {
    pending_since_ = Clock::now();
  }
  pending_ += record->line;
  last_hash_ = record->hash;
  ++next_seq_;
  records_since_checkpoint_ = 0;
  last_checkpoint_ = Clock::now();
  pending_head_ = sign_head(key_, seq, record->hash);
  flush_requested_ = true;  // checkpoints are critical: sync now, but nobody waits here
  flusher_wake_.notify_one();
}

Result<void> AuditLog::wait_durable_locked(std::uint64_t seq, std::unique_lock<std::mutex>& lock) {
  flush_requested_ = true;
  flusher_wake_.notify_one();
  durable_.wait(lock, [&] { return durable_seq_ >= seq || fault_.has_value(); });
  if (durable_seq_ < seq) {
    return fail(ErrorCode::kUnavailable,
                "the audit log cannot be written ({}); the action is refused until it can",
                fault_->describe());
  }
  return {};
}

Result<void> AuditLog::flush() {
  if (relay_mode_) {
    // Every relayed event was durable before its ack.
    std::lock_guard guard(relay_mu_);
    return upgraded_ ? upgraded_->flush() : Result<void>();
  }
  std::unique_lock lock(mu_);
  return wait_durable_locked(next_seq_ - 1, lock);
}

Result<void> AuditLog::close() {
  if (relay_mode_) {
    std::lock_guard guard(relay_mu_);
    return upgraded_ ? upgraded_->close() : Result<void>();
  }
  // No relayed event is taken in once closing begins.
  if (receiver_) {
    receiver_->stop();
  }
  {
    std::unique_lock lock(mu_);
    if (closing_) {
      // Another thread is closing (or has closed): wait for it, report the same outcome.
      durable_.wait(lock, [&] { return closed_; });
      return fault_ ? Result<void>(fail(*fault_)) : Result<void>();
    }
    closing_ = true;
    if (!fault_) {
      append_checkpoint_locked("shutdown");
    }
    stopping_ = true;
    flusher_wake_.notify_one();
  }
  if (flusher_.joinable()) {
    flusher_.join();
  }
  std::unique_lock lock(mu_);
  if (auto closed = segment_fd_.close(); !closed && !fault_) {
    fault_ = closed.error();
  }
  lock_fd_.reset();
  closed_ = true;
  durable_.notify_all();
  if (fault_) {
    return fail(*fault_);
  }
  return {};
}

AuditLog::~AuditLog() {
  if (auto closed = close(); !closed) {
    CHITIN_LOG(kError, "audit log closed with an error: {}", closed.error().describe());
  }
}

Health AuditLog::health() const {
  if (relay_mode_) {
    const AuditLog* upgraded = upgraded_raw_.load();
    return upgraded != nullptr ? upgraded->health()
                               : Health{};  // each relayed append reports its own failure
  }
  std::lock_guard lock(mu_);
  if (fault_) {
    return Health{false, fault_->describe()};
  }
  if (closed_) {
    return Health{false, "the audit log is closed"};
  }
  return Health{};
}

std::uint64_t AuditLog::last_seq() const {
  if (relay_mode_) {
    const AuditLog* upgraded = upgraded_raw_.load();
    return upgraded != nullptr ? upgraded->last_seq() : relayed_seq_.load();
  }
  std::lock_guard lock(mu_);
  return next_seq_ - 1;
}

bool AuditLog::relaying() const { return relay_mode_ && upgraded_raw_.load() == nullptr; }

void AuditLog::inject_write_failure_for_test(int error_number) {
  std::lock_guard lock(mu_);
  injected_errno_ = error_number;
}

void AuditLog::flusher_main() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (fault_) {
      // Nothing more can be written: drop what is pending and wake every waiter with the
      // fault, then idle until close().
      pending_.clear();
      pending_head_.reset();
      durable_.notify_all();
      if (stopping_) {
        return;
      }
      flusher_wake_.wait(lock);
      continue;
    }
    const auto now = Clock::now();
    if (!stopping_ && records_since_checkpoint_ > 0 &&
        now - last_checkpoint_ >= options_.checkpoint_interval) {
      append_checkpoint_locked("interval");
    }
    const bool due = !pending_.empty() && (flush_requested_ || stopping_ ||
                                           now >= pending_since_ + options_.flush_interval);
    if (due) {
      std::string batch = std::move(pending_);
      pending_.clear();
      std::optional<Head> head = std::move(pending_head_);
      pending_head_.reset();
      flush_requested_ = false;
      const std::uint64_t batch_last = next_seq_ - 1;
      const int injected = std::exchange(injected_errno_, 0);
      lock.unlock();
      Result<void> written =
          injected != 0 ? Result<void>(errno_fail(injected, "injected audit write failure"))
                        : write_batch(batch, head);
      lock.lock();
      if (written) {
        durable_seq_ = batch_last;
      } else {
        fault_ = written.error();
        CHITIN_LOG(kError,
                   "the audit log cannot be written: {}; tool execution and egress are refused "
                   "until Chitin restarts with a writable log",
                   written.error().describe());
      }
      durable_.notify_all();
      continue;
    }
    if (stopping_) {
      return;
    }
    auto deadline = Clock::time_point::max();
    if (!pending_.empty()) {
      deadline = pending_since_ + options_.flush_interval;
    }
    if (records_since_checkpoint_ > 0) {
      deadline = std::min(deadline, last_checkpoint_ + options_.checkpoint_interval);
    }
    if (deadline == Clock::time_point::max()) {
      flusher_wake_.wait(lock);
    } else {
      flusher_wake_.wait_until(lock, deadline);
    }
  }
}

Result<void> AuditLog::write_batch(const std::string& batch, const std::optional<Head>& head) {
  if (segment_bytes_ > 0 && segment_bytes_ + batch.size() > options_.segment_max_bytes) {
    // Rotate at a record boundary; the chain continues in the next segment.
    CHITIN_RETURN_IF_ERROR(segment_fd_.close());
    CHITIN_RETURN_IF_ERROR(open_segment(segment_number_ + 1, true));
  }
  if (auto written = sys::write_all(segment_fd_.get(), batch); !written) {
    written.error().message =
        fmt::format("cannot write {}", segment_path(options_.dir, segment_number_));
    return fail(written.error());
  }
  segment_bytes_ += batch.size();
  if (::fdatasync(segment_fd_.get()) != 0) {
    return errno_fail(fmt::format("cannot sync {}", segment_path(options_.dir, segment_number_)));
  }
  if (head) {
    CHITIN_RETURN_IF_ERROR(write_head(options_.dir, *head));
  }
  return {};
}

}  // namespace chitin::audit
