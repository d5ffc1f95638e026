// Relayed records: a process that finds the audit log held hands its events to the holder.
// Two logs in one test process behave as two processes do: flock locks belong to open file
// descriptions, so the second open finds the first's lock held.

#include "audit/relay.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "audit/log.h"
#include "audit/verify.h"
#include "support/audit_fixture.h"
#include "support/temp_dir.h"

namespace chitin::audit {
namespace {

using chitin::testing::AuditFixture;
using chitin::testing::write_text;

std::vector<ParsedRecord> records(const AuditFixture& fx) {
  std::vector<ParsedRecord> out;
  for (const auto& line : fx.lines()) {
    if (auto record = parse_record(line)) {
      out.push_back(*record);
    }
  }
  return out;
}

const ParsedRecord* find_type(const std::vector<ParsedRecord>& all, std::string_view type) {
  for (const ParsedRecord& record : all) {
    if (record.type == type) {
      return &record;
    }
  }
  return nullptr;
}

LogOptions relaying(const AuditFixture& fx, int timeout_ms = 10000) {
  LogOptions options = fx.options();
  options.relay_when_held = true;
  options.relay_timeout = std::chrono::milliseconds(timeout_ms);
  return options;
}

bool chain_verifies(const AuditFixture& fx) {
  auto report = verify_log(fx.dir(), fx.public_key());
  return report && report->ok();
}

TEST(AuditRelayTest, ASecondProcessRecordsThroughTheHolder) {
  AuditFixture fx;
  auto holder = fx.open();
  auto sender = AuditLog::open(relaying(fx), fx.secret_key());
  ASSERT_TRUE(sender) << sender.error().describe();
  EXPECT_TRUE((*sender)->relaying());
  auto seq = (*sender)->append(Event{"skill.install", "cli", "", {{"name", "weather"}}});
  ASSERT_TRUE(seq) << seq.error().describe();
  EXPECT_EQ((*sender)->last_seq(), *seq);
  ASSERT_TRUE((*sender)->close());
  // Durable before the ack: it is on disk without the holder flushing again.
  const auto all = records(fx);
  const ParsedRecord* relayed = find_type(all, "skill.install");
  ASSERT_NE(relayed, nullptr);
  EXPECT_EQ(relayed->seq, *seq);
  EXPECT_EQ(relayed->actor, "cli");
  EXPECT_EQ(relayed->details["name"], "weather");
  EXPECT_EQ(relayed->details["relayed"]["pid"], ::getpid());
  ASSERT_TRUE(holder->close());
  EXPECT_TRUE(chain_verifies(fx));
  // Nothing is left behind in the relay directory.
  EXPECT_TRUE(std::filesystem::is_empty(fx.dir() + "/relay"));
}

TEST(AuditRelayTest, SecretsAreRedactedBeforeTheEventLeavesTheSender) {
  AuditFixture fx;
  auto holder = fx.open();
  auto sender = AuditLog::open(relaying(fx), fx.secret_key());
  ASSERT_TRUE(sender);
  (*sender)->set_redactor([](std::string_view text) {
    std::string out(text);
    if (const auto at = out.find("hunter2"); at != std::string::npos) {
      out.replace(at, 7, "[secret]");
    }
    return out;
  });
  ASSERT_TRUE((*sender)->append(Event{"secret.set", "cli", "", {{"note", "pw hunter2"}}}));
  ASSERT_TRUE(holder->flush());
  EXPECT_EQ(find_type(records(fx), "secret.set")->details["note"], "pw [secret]");
}

TEST(AuditRelayTest, WithoutAnAnswerTheSenderFailsAndWithdrawsItsEvent) {
  AuditFixture fx;
  { auto created = fx.open(); }
  // A holder that never answers: the lock taken by something that is not a Chitin log.
  const int lock = ::open((fx.dir() + "/lock").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(lock, 0);
  ASSERT_EQ(::flock(lock, LOCK_EX), 0);
  auto sender = AuditLog::open(relaying(fx, 200), fx.secret_key());
  ASSERT_TRUE(sender);
  auto seq = (*sender)->append(Event{"skill.install", "cli", "", {{"name", "x"}}});
  ASSERT_FALSE(seq);
  EXPECT_EQ(seq.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(seq.error().message.find("did not record the event within 200 ms"), std::string::npos)
      << seq.error().message;
  EXPECT_TRUE(std::filesystem::is_empty(fx.dir() + "/relay"));
  ::close(lock);
  // The next holder finds nothing to record.
  auto next = fx.open();
  ASSERT_TRUE(next->close());
  EXPECT_EQ(find_type(records(fx), "skill.install"), nullptr);
}

TEST(AuditRelayTest, WhenTheHolderGoesAwayTheSenderTakesOver) {
  AuditFixture fx;
  { auto created = fx.open(); }
  const int lock = ::open((fx.dir() + "/lock").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_EQ(::flock(lock, LOCK_EX), 0);
  auto sender = AuditLog::open(relaying(fx), fx.secret_key());
  ASSERT_TRUE(sender);
  std::thread release([lock] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::close(lock);
  });
  auto seq = (*sender)->append(Event{"token.create", "cli", "", {{"id", "t1"}}});
  release.join();
  ASSERT_TRUE(seq) << seq.error().describe();
  // Now the holder: later appends go straight into the log, and another sender relays to it.
  ASSERT_TRUE((*sender)->append(Event{"tool.exec", "cli", "", {}}));
  auto third = AuditLog::open(relaying(fx), fx.secret_key());
  ASSERT_TRUE(third);
  EXPECT_TRUE((*third)->relaying());
  ASSERT_TRUE((*third)->append(Event{"secret.set", "cli", "", {}}));
  ASSERT_TRUE((*sender)->close());
  const auto all = records(fx);
  EXPECT_EQ(find_type(all, "token.create")->seq, *seq);
  EXPECT_NE(find_type(all, "tool.exec"), nullptr);
  EXPECT_NE(find_type(all, "secret.set"), nullptr);
  EXPECT_TRUE(chain_verifies(fx));
}

TEST(AuditRelayTest, BadAndExpiredRelayedEventsAreNotRecorded) {
  AuditFixture fx;
  { auto created = fx.open(); }
  std::filesystem::create_directories(fx.dir() + "/relay");
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(WallClock::now().time_since_epoch())
          .count();
  const auto event = [&](const std::string& type, std::int64_t deadline) {
    return nlohmann::json{{"type", type},
                          {"actor", "cli"},
                          {"session", ""},
                          {"details", nlohmann::json::object()},
                          {"deadline_ms", deadline},
                          {"pid", 1}}
        .dump();
  };
  write_text(fx.dir() + "/relay/1-expired.event", event("skill.install", now_ms - 1000));
  write_text(fx.dir() + "/relay/2-reserved.event", event("audit.checkpoint", now_ms + 60000));
  write_text(fx.dir() + "/relay/3-garbage.event", "{not json");
  write_text(fx.dir() + "/relay/4-good.event", event("skill.remove", now_ms + 60000));
  // Claimed by a holder that died before answering: the next holder records it.
  write_text(fx.dir() + "/relay/5-orphan.taken", event("token.revoke", now_ms + 60000));
  auto holder = fx.open();
  ASSERT_TRUE(holder->close());
  const auto all = records(fx);
  EXPECT_EQ(find_type(all, "skill.install"), nullptr);
  EXPECT_NE(find_type(all, "skill.remove"), nullptr);
  EXPECT_NE(find_type(all, "token.revoke"), nullptr);
  EXPECT_FALSE(std::filesystem::exists(fx.dir() + "/relay/5-orphan.taken"));
  EXPECT_TRUE(chain_verifies(fx));
  EXPECT_FALSE(std::filesystem::exists(fx.dir() + "/relay/1-expired.ack"));  // dropped silently
  EXPECT_NE(chitin::testing::read_text(fx.dir() + "/relay/2-reserved.ack").find("reserved"),
            std::string::npos);
  EXPECT_NE(chitin::testing::read_text(fx.dir() + "/relay/3-garbage.ack").find("not a JSON"),
            std::string::npos);
  EXPECT_NE(chitin::testing::read_text(fx.dir() + "/relay/4-good.ack").find("\"seq\""),
            std::string::npos);
}

TEST(AuditRelayTest, RelayedEventsAreBoundedOnBothSides) {
  AuditFixture fx;
  { auto created = fx.open(); }
  // The sender refuses to write an event over the bound, and leaves nothing behind.
  const Event huge{"skill.install", "cli", "", {{"blob", std::string(kMaxRelayedBytes, 'x')}}};
  auto submitted = submit_relayed(fx.dir(), huge, WallClock::now() + std::chrono::seconds(60));
  ASSERT_FALSE(submitted);
  EXPECT_EQ(submitted.error().code, ErrorCode::kLimitExceeded);
  EXPECT_NE(submitted.error().message.find("over 1048576 bytes"), std::string::npos)
      << submitted.error().message;
  EXPECT_TRUE(!std::filesystem::exists(fx.dir() + "/relay") ||
              std::filesystem::is_empty(fx.dir() + "/relay"));
  // The holder refuses one written by hand past the bound: answered with the error, not
  // recorded, and the rest of the directory still ingested.
  std::filesystem::create_directories(fx.dir() + "/relay");
  const auto deadline = std::chrono::duration_cast<std::chrono::milliseconds>(
                            (WallClock::now() + std::chrono::seconds(60)).time_since_epoch())
                            .count();
  const auto event = [&](const std::string& type, std::size_t padding) {
    return nlohmann::json{{"type", type},
                          {"actor", "cli"},
                          {"session", ""},
                          {"details", {{"pad", std::string(padding, 'x')}}},
                          {"deadline_ms", deadline},
                          {"pid", 1}}
        .dump();
  };
  write_text(fx.dir() + "/relay/1-huge.event", event("skill.install", kMaxRelayedBytes));
  write_text(fx.dir() + "/relay/2-small.event", event("skill.remove", 10));
  auto holder = fx.open();
  ASSERT_TRUE(holder->close());
  const auto all = records(fx);
  EXPECT_EQ(find_type(all, "skill.install"), nullptr);
  EXPECT_NE(find_type(all, "skill.remove"), nullptr);
  const std::string ack = chitin::testing::read_text(fx.dir() + "/relay/1-huge.ack");
  EXPECT_EQ(ack.find("\"seq\""), std::string::npos) << ack;
  EXPECT_NE(ack.find("1048576"), std::string::npos) << ack;
  EXPECT_TRUE(chain_verifies(fx));
}

}  // namespace
}  // namespace chitin::audit
