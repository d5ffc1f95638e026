#include "audit/relay.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "base/crypto.h"
#include "base/log.h"
#include "sys/file_ops.h"

namespace chitin::audit {

namespace {

constexpr std::string_view kEventSuffix = ".event";
constexpr std::string_view kTakenSuffix = ".taken";
constexpr std::string_view kAckSuffix = ".ack";
constexpr std::size_t kMaxAckBytes = 4096;
constexpr std::size_t kMaxFieldBytes = 256;

std::string relay_dir(const std::string& audit_dir) {
  return fmt::format("{}/{}", audit_dir, kRelayDirName);
}

std::int64_t to_ms(WallClock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

// The event a sender wrote, checked as strictly as any other input.
Result<Event> read_event(std::string_view text, std::int64_t& deadline_ms, std::int64_t& pid) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorCode::kInvalidInput, "a relayed event is not a JSON object");
  }
  const auto text_field = [&](const char* key) -> Result<std::string> {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_string() ||
        it->get_ref<const std::string&>().size() > kMaxFieldBytes) {
      return fail(ErrorCode::kInvalidInput, "a relayed event's '{}' is not a short string", key);
    }
    return it->get<std::string>();
  };
  const auto number_field = [&](const char* key) -> Result<std::int64_t> {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer()) {
      return fail(ErrorCode::kInvalidInput, "a relayed event's '{}' is not an integer", key);
    }
    return it->get<std::int64_t>();
  };
  Event event;
  event.type = CHITIN_TRY(text_field("type"));
  event.actor = CHITIN_TRY(text_field("actor"));
  event.session = CHITIN_TRY(text_field("session"));
  deadline_ms = CHITIN_TRY(number_field("deadline_ms"));
  pid = CHITIN_TRY(number_field("pid"));
  const auto details = j.find("details");
  if (details == j.end() || !details->is_object()) {
    return fail(ErrorCode::kInvalidInput, "a relayed event's 'details' is not an object");
  }
  event.details = *details;
  CHITIN_RETURN_IF_ERROR(check_event_type(event.type));
  if (event.type.starts_with("audit.")) {
    return fail(ErrorCode::kInvalidInput, "audit event type '{}' is reserved", event.type);
  }
  return event;
}

}  // namespace

Result<std::string> submit_relayed(const std::string& audit_dir, const Event& event,
                                   WallClock::time_point deadline) {
  const std::string dir = relay_dir(audit_dir);
  CHITIN_TRY(sys::ensure_directory(dir, 0700));
  const std::string name =
      fmt::format("{}-{}-{}", to_ms(WallClock::now()), ::getpid(), crypto::random_token("", 6));
  const nlohmann::json j{
      {"type", event.type},
      {"actor", event.actor},
      {"session", event.session},
      {"details", event.details.is_null() ? nlohmann::json::object() : event.details},
      {"deadline_ms", to_ms(deadline)},
      {"pid", ::getpid()}};
  const std::string text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > kMaxRelayedBytes) {
    return fail(ErrorCode::kLimitExceeded, "the event is over {} bytes", kMaxRelayedBytes);
  }
  CHITIN_TRY(sys::write_file_atomic(fmt::format("{}/{}{}", dir, name, kEventSuffix), text, 0600,
                                    sys::WriteMode::kCreateOnly));
  return name;
}

Result<std::optional<std::uint64_t>> take_ack(const std::string& audit_dir,
                                              const std::string& name) {
  const std::string path = fmt::format("{}/{}{}", relay_dir(audit_dir), name, kAckSuffix);
  auto text = sys::read_regular_file(path, kMaxAckBytes);
  if (!text) {
    if (text.error().sys_errno == ENOENT) {
      return std::optional<std::uint64_t>();
    }
    return fail(text.error());
  }
  ::unlink(path.c_str());
  const nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_object() && j.contains("seq") && j["seq"].is_number_unsigned()) {
    return std::optional<std::uint64_t>(j["seq"].get<std::uint64_t>());
  }
  const std::string why = j.is_object() && j.contains("error") && j["error"].is_string()
                              ? j["error"].get<std::string>()
                              : std::string("an unreadable answer");
  return fail(ErrorCode::kUnavailable, "the process holding the audit log refused the event: {}",
              why);
}

bool withdraw_relayed(const std::string& audit_dir, const std::string& name) {
  const std::string path = fmt::format("{}/{}{}", relay_dir(audit_dir), name, kEventSuffix);
  return ::unlink(path.c_str()) == 0;
}

RelayReceiver::RelayReceiver(PrivateTag /*only start() constructs*/, std::string dir,
                             RelayAppend append, UniqueFd watch, UniqueFd stop_read,
                             UniqueFd stop_write)
    : dir_(std::move(dir)),
      append_(std::move(append)),
      watch_(std::move(watch)),
      stop_read_(std::move(stop_read)),
      stop_write_(std::move(stop_write)) {}

Result<std::unique_ptr<RelayReceiver>> RelayReceiver::start(std::string audit_dir,
                                                            RelayAppend append) {
  const std::string dir = relay_dir(audit_dir);
  CHITIN_TRY(sys::ensure_directory(dir, 0700));
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return errno_fail("create the relay receiver's stop pipe");
  }
  UniqueFd stop_read(pipe_fds[0]);
  UniqueFd stop_write(pipe_fds[1]);
  // Without inotify (its limits reached) the directory is polled once a second instead.
  UniqueFd watch(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (watch && ::inotify_add_watch(watch.get(), dir.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
    watch.reset();
  }
  auto receiver =
      std::make_unique<RelayReceiver>(PrivateTag{}, dir, std::move(append), std::move(watch),
                                      std::move(stop_read), std::move(stop_write));
  // Claims left by a holder that died while recording them: this holder (the only one now)
  // takes them over; their senders are still waiting, or past their deadline (then dropped).
  if (DIR* entries = ::opendir(dir.c_str()); entries != nullptr) {
    std::vector<std::string> taken;
    while (const dirent* entry = ::readdir(entries)) {
      const std::string_view name(entry->d_name);
      if (name.ends_with(kTakenSuffix) && !name.starts_with('.')) {
        taken.emplace_back(name.substr(0, name.size() - kTakenSuffix.size()));
      }
    }
    ::closedir(entries);
    for (const std::string& name : taken) {
      (void)::rename(fmt::format("{}/{}{}", dir, name, kTakenSuffix).c_str(),
                     fmt::format("{}/{}{}", dir, name, kEventSuffix).c_str());
    }
  }
  receiver->ingest();
  receiver->thread_ = std::thread([raw = receiver.get()] { raw->run(); });
  return receiver;
}

RelayReceiver::~RelayReceiver() { stop(); }

void RelayReceiver::stop() {
  // Once, even when two threads close the log at the same time (the other one waits here).
  std::call_once(stopped_, [this] {
    const char byte = 1;
    (void)!::write(stop_write_.get(), &byte, 1);
    if (thread_.joinable()) {
      thread_.join();
    }
  });
}

void RelayReceiver::run() {
  for (;;) {
    pollfd fds[2] = {{stop_read_.get(), POLLIN, 0}, {watch_.get(), POLLIN, 0}};
    const int ready = ::poll(fds, watch_ ? 2 : 1, 1000);
    if (ready < 0 && errno != EINTR) {
      return;
    }
    if ((fds[0].revents & POLLIN) != 0) {
      return;
    }
    if (watch_ && (fds[1].revents & POLLIN) != 0) {
      char buffer[4096];
      while (::read(watch_.get(), buffer, sizeof(buffer)) > 0) {
      }
    }
    ingest();
  }
}

void RelayReceiver::ingest() {
  std::vector<std::string> names;
  {
    std::unique_ptr<DIR, int (*)(DIR*)> handle(::opendir(dir_.c_str()), ::closedir);
    if (!handle) {
      return;
    }
    while (const dirent* entry = ::readdir(handle.get())) {
      const std::string_view name(entry->d_name);
      if (name.ends_with(kEventSuffix) && !name.starts_with('.')) {
        names.emplace_back(name.substr(0, name.size() - kEventSuffix.size()));
      }
    }
  }
  std::sort(names.begin(), names.end());  // senders' time order
  for (const std::string& name : names) {
    ingest_one(name);
  }
  remove_stale_acks();
}

// Answers nobody picked up (their sender died or gave up) are removed after a minute.
void RelayReceiver::remove_stale_acks() {
  std::unique_ptr<DIR, int (*)(DIR*)> handle(::opendir(dir_.c_str()), ::closedir);
  if (!handle) {
    return;
  }
  const auto now = WallClock::now();
  while (const dirent* entry = ::readdir(handle.get())) {
    const std::string_view name(entry->d_name);
    if (!name.ends_with(kAckSuffix)) {
      continue;
    }
    struct stat st {};
    if (::fstatat(::dirfd(handle.get()), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        WallClock::from_time_t(st.st_mtime) + std::chrono::minutes(1) < now) {
      ::unlinkat(::dirfd(handle.get()), entry->d_name, 0);
    }
  }
}

void RelayReceiver::ingest_one(const std::string& name) {
  const std::string event_path = fmt::format("{}/{}{}", dir_, name, kEventSuffix);
  const std::string taken_path = fmt::format("{}/{}{}", dir_, name, kTakenSuffix);
  // The claim: after the rename the sender can no longer withdraw it.
  if (::rename(event_path.c_str(), taken_path.c_str()) != 0) {
    return;
  }
  nlohmann::json ack;
  std::int64_t deadline_ms = 0;
  std::int64_t pid = 0;
  auto text = sys::read_regular_file(taken_path, kMaxRelayedBytes);
  auto event = text ? read_event(*text, deadline_ms, pid) : Result<Event>(fail(text.error()));
  if (event && deadline_ms < to_ms(WallClock::now())) {
    // Its sender gave up at the deadline and did not act: recording it would claim otherwise.
    ::unlink(taken_path.c_str());
    return;
  }
  if (event) {
    event->details["relayed"] = {{"pid", pid}};
    auto seq = append_(*event);
    ack = seq ? nlohmann::json{{"seq", *seq}} : nlohmann::json{{"error", seq.error().message}};
  } else {
    ack = {{"error", event.error().message}};
  }
  const std::string ack_path = fmt::format("{}/{}{}", dir_, name, kAckSuffix);
  if (auto written = sys::write_file_atomic(ack_path, ack.dump(), 0600); !written) {
    CHITIN_LOG(kError, "cannot answer a relayed audit event: {}", written.error().describe());
  }
  ::unlink(taken_path.c_str());
}

}  // namespace chitin::audit
