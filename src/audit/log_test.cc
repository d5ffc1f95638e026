#include "audit/log.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <thread>

#include "audit/verify.h"
#include "support/audit_fixture.h"

namespace chitin::audit {
namespace {

using chitin::testing::AuditFixture;
using chitin::testing::read_text;

std::vector<ParsedRecord> all_records(const AuditFixture& fx, int segment = 1) {
  std::vector<ParsedRecord> out;
  for (const auto& line : fx.lines(segment)) {
    auto record = parse_record(line);
    EXPECT_TRUE(record.has_value()) << line;
    if (record) {
      out.push_back(*record);
    }
  }
  return out;
}

bool verifies(const AuditFixture& fx) {
  auto report = verify_log(fx.dir(), fx.public_key());
  EXPECT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok()) << report->to_text();
  return report && report->ok();
}

TEST(AuditLogTest, NewLogStartsWithASignedGenesisCheckpoint) {
  AuditFixture fx;
  auto log = fx.open();
  EXPECT_EQ(log->last_seq(), 1u);
  const auto records = all_records(fx);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].type, "audit.checkpoint");
  EXPECT_EQ(records[0].details["reason"], "genesis");
  EXPECT_EQ(records[0].prev, std::string(64, '0'));
  EXPECT_TRUE(read_head(fx.dir())->has_value());
}

TEST(AuditLogTest, AppendsGetConsecutiveSeqsAndTheChainVerifies) {
  AuditFixture fx;
  auto log = fx.open();
  for (std::uint64_t i = 0; i < 5; ++i) {
    auto seq = log->append(Event{"tool.exec", "agent:main", "s", {{"i", i}}});
    ASSERT_TRUE(seq.has_value()) << seq.error().describe();
    EXPECT_EQ(*seq, i + 2);
  }
  ASSERT_TRUE(log->close().has_value());
  const auto records = all_records(fx);
  ASSERT_EQ(records.size(), 7u);  // genesis, 5 events, shutdown checkpoint
  EXPECT_EQ(records.back().type, "audit.checkpoint");
  EXPECT_EQ(records.back().details["reason"], "shutdown");
  EXPECT_TRUE(verifies(fx));
  EXPECT_FALSE(log->append(Event{"tool.exec", "a", "", {}}).has_value());  // closed
}

TEST(AuditLogTest, AnInstalledRedactorSeesEveryStringAndKey) {
  AuditFixture fx;
  auto log = fx.open();
  log->set_redactor([](std::string_view text) {
    std::string out(text);
    for (auto at = out.find("hunter22"); at != std::string::npos; at = out.find("hunter22")) {
      out.replace(at, 8, "[x]");
    }
    return out;
  });
  ASSERT_TRUE(log->append(Event{
      "egress.deny",
      "a",
      "",
      {{"host", "hunter22.evil.com"}, {"hunter22", 1}, {"list", {"ok", "pre-hunter22-post"}}}}));
  ASSERT_TRUE(log->close());
  for (const auto& line : fx.lines(1)) {
    EXPECT_EQ(line.find("hunter22"), std::string::npos) << line;
  }
  const auto records = all_records(fx);
  EXPECT_EQ(records[1].details["host"], "[x].evil.com");
  EXPECT_EQ(records[1].details["list"][1], "pre-[x]-post");
  EXPECT_TRUE(verifies(fx));
}

TEST(AuditLogTest, OrdinaryRecordsAreBatchedCriticalOnesAreDurableAtOnce) {
  AuditFixture fx;
  LogOptions options = fx.options();
  options.flush_interval = std::chrono::milliseconds(60000);  // batches wait for a trigger
  auto log = fx.open(options);
  const std::string segment = segment_path(fx.dir(), 1);
  ASSERT_TRUE(log->append(Event{"tool.exec", "a", "", {{"n", "batched"}}}).has_value());
  EXPECT_EQ(read_text(segment).find("batched"), std::string::npos);
  ASSERT_TRUE(log->append(Event{"auth.fail", "gateway", "", {{"n", "critical"}}}).has_value());
  // The critical record, and everything before it, is on disk when append returns.
  EXPECT_NE(read_text(segment).find("critical"), std::string::npos);
  EXPECT_NE(read_text(segment).find("batched"), std::string::npos);
  ASSERT_TRUE(log->append(Event{"tool.exec", "a", "", {{"n", "later"}}}).has_value());
  ASSERT_TRUE(log->flush().has_value());
  EXPECT_NE(read_text(segment).find("later"), std::string::npos);
}

TEST(AuditLogTest, BatchedRecordsReachDiskWithinTheFlushInterval) {
  AuditFixture fx;
  LogOptions options = fx.options();
  options.flush_interval = std::chrono::milliseconds(20);
  auto log = fx.open(options);
  ASSERT_TRUE(log->append(Event{"tool.exec", "a", "", {{"n", "eventually"}}}).has_value());
  // No flush() call: the flusher's deadline alone must write it (polled, not timed).
  bool found = false;
  for (int i = 0; i < 500 && !found; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    found = read_text(segment_path(fx.dir(), 1)).find("eventually") != std::string::npos;
  }
  EXPECT_TRUE(found);
}

TEST(AuditLogTest, CheckpointsEveryNRecordsAndUpdatesTheHead) {
  AuditFixture fx;
  LogOptions options = fx.options();
  options.checkpoint_every = 10;
  auto log = fx.open(options);
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(log->append(Event{"tool.exec", "a", "", {{"i", i}}}).has_value());
  }
  ASSERT_TRUE(log->flush().has_value());
  std::vector<std::uint64_t> checkpoints;
  for (const auto& r : all_records(fx)) {
    if (r.type == "audit.checkpoint") {
      checkpoints.push_back(r.seq);
    }
  }
  // genesis 1; 10 events (2..11) then checkpoint 12; 10 more (13..22) then 23.
  EXPECT_EQ(checkpoints, (std::vector<std::uint64_t>{1, 12, 23}));
  EXPECT_EQ((*read_head(fx.dir()))->seq, 23u);
}

TEST(AuditLogTest, CheckpointsAfterTheIntervalWhileRecordsArrive) {
  AuditFixture fx;
  LogOptions options = fx.options();
  options.checkpoint_interval = std::chrono::milliseconds(50);
  auto log = fx.open(options);
  ASSERT_TRUE(log->append(Event{"tool.exec", "a", "", {}}).has_value());
  bool found = false;
  for (int i = 0; i < 500 && !found; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (const auto& r : all_records(fx)) {
      found = found || (r.type == "audit.checkpoint" && r.details["reason"] == "interval");
    }
  }
  EXPECT_TRUE(found);
}

TEST(AuditLogTest, ReopeningContinuesTheChain) {
  AuditFixture fx;
  fx.write_events(3);
  fx.write_events(3);
  const auto records = all_records(fx);
  // genesis, 3 events, shutdown; then audit.open, 3 events, shutdown.
  ASSERT_EQ(records.size(), 10u);
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].seq, i + 1);
  }
  EXPECT_EQ(records[5].type, "audit.open");
  EXPECT_TRUE(verifies(fx));
}

TEST(AuditLogTest, RejectsReservedAndMalformedEventsWithoutConsumingSeqs) {
  AuditFixture fx;
  auto log = fx.open();
  EXPECT_FALSE(log->append(Event{"audit.checkpoint", "x", "", {}}).has_value());
  EXPECT_FALSE(log->append(Event{"nodots", "x", "", {}}).has_value());
  EXPECT_FALSE(log->append(Event{"tool.exec", std::string(1000, 'a'), "", {}}).has_value());
  EXPECT_EQ(*log->append(Event{"tool.exec", "x", "", {}}), 2u);
}

TEST(AuditLogTest, SecretsInDetailsAreRedactedOnTheWayIn) {
  AuditFixture fx;
  auto log = fx.open();
  ASSERT_TRUE(log->append(Event{"auth.fail", "gw", "", {{"token", "chtn_gw_secretvalue"}}}));
  ASSERT_TRUE(log->close().has_value());
  const std::string text = read_text(segment_path(fx.dir(), 1));
  EXPECT_EQ(text.find("secretvalue"), std::string::npos);
  EXPECT_NE(text.find("[redacted]"), std::string::npos);
}

TEST(AuditLogTest, FailsClosedWhenTheDiskFails) {
  AuditFixture fx;
  auto log = fx.open();
  ASSERT_TRUE(log->append(Event{"tool.exec", "a", "", {}}).has_value());
  ASSERT_TRUE(log->flush().has_value());
  log->inject_write_failure_for_test(ENOSPC);
  auto critical = log->append(Event{"auth.fail", "gw", "", {}});
  ASSERT_FALSE(critical.has_value());
  EXPECT_EQ(critical.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(critical.error().describe().find("No space left on device"), std::string::npos);
  EXPECT_FALSE(log->health().ok);
  EXPECT_NE(log->health().problem.find("injected audit write failure"), std::string::npos);
  // Every later append is refused: the action it would record must not happen.
  auto later = log->append(Event{"tool.exec", "a", "", {}});
  ASSERT_FALSE(later.has_value());
  EXPECT_NE(later.error().message.find("the action is refused"), std::string::npos);
  EXPECT_FALSE(log->flush().has_value());
  EXPECT_FALSE(log->close().has_value());
  // What reached the disk before the fault still verifies.
  EXPECT_TRUE(verifies(fx));
}

TEST(AuditLogTest, OneProcessAtATime) {
  AuditFixture fx;
  auto log = fx.open();
  LogOptions options = fx.options();
  options.lock_timeout = std::chrono::milliseconds(50);
  auto second = AuditLog::open(options, fx.secret_key());
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(second.error().message.find("held by another Chitin process"), std::string::npos);
}

TEST(AuditLogTest, RefusesToOpenWhenRecordsWereCutOffOrTheHeadIsGone) {
  AuditFixture fx;
  LogOptions options = fx.options();
  options.checkpoint_every = 5;
  fx.write_events(12, options);
  auto lines = fx.lines();
  fx.set_lines(std::vector<std::string>(lines.begin(), lines.end() - 3));
  auto cut = AuditLog::open(options, fx.secret_key());
  ASSERT_FALSE(cut.has_value());
  EXPECT_EQ(cut.error().code, ErrorCode::kIntegrity);
  EXPECT_NE(cut.error().message.find("records were cut off"), std::string::npos);

  fx.set_lines(lines);
  ASSERT_EQ(::unlink(head_path(fx.dir()).c_str()), 0);
  auto headless = AuditLog::open(options, fx.secret_key());
  ASSERT_FALSE(headless.has_value());
  EXPECT_NE(headless.error().message.find("no signed head"), std::string::npos);
}

TEST(AuditLogTest, RepairsATornTailAndRecordsTheRepair) {
  AuditFixture fx;
  fx.write_events(4);
  const std::string path = segment_path(fx.dir(), 1);
  chitin::testing::write_text(path, read_text(path) + "{\"seq\":9,\"ts\":\"20");
  fx.write_events(1);
  const auto records = all_records(fx);
  bool repaired = false;
  for (const auto& r : records) {
    if (r.type == "audit.repair") {
      repaired = true;
      EXPECT_EQ(r.details["torn_bytes"], 17);
    }
  }
  EXPECT_TRUE(repaired);
  EXPECT_TRUE(verifies(fx));
}

TEST(AuditLogTest, RefusesToTruncateAnEditedFinalRecord) {
  AuditFixture fx;
  fx.write_events(4);
  auto lines = fx.lines();
  lines.back().replace(lines.back().find("shutdown"), 8, "SHUTDOWN");
  fx.set_lines(lines);
  auto log = AuditLog::open(fx.options(), fx.secret_key());
  ASSERT_FALSE(log.has_value());
  EXPECT_EQ(log.error().code, ErrorCode::kIntegrity);
}

TEST(AuditLogTest, ManyThreadsAppendingKeepTheChainLinear) {
  AuditFixture fx;
  LogOptions options = fx.options();
  options.checkpoint_every = 100;
  auto log = fx.open(options);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  std::vector<std::vector<std::uint64_t>> seqs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const char* type = i % 50 == 0 ? "auth.ok" : "tool.exec";
        auto seq = log->append(Event{type, "t" + std::to_string(t), "", {{"i", i}}});
        ASSERT_TRUE(seq.has_value());
        seqs[t].push_back(*seq);
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  ASSERT_TRUE(log->close().has_value());
  for (const auto& s : seqs) {
    EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
  }
  auto report = verify_log(fx.dir(), fx.public_key());
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok()) << report->to_text();
  // 4000 events + genesis + one checkpoint per 100 events + shutdown.
  EXPECT_EQ(report->records, 4000u + 1u + 40u + 1u);
}

}  // namespace
}  // namespace chitin::audit

namespace chitin::audit {
namespace {

TEST(AuditLogRecoveryTest, RefusesToContinueAChainEditedBeforeTheLastCheckpoint) {
  AuditFixture fx;
  LogOptions options = fx.options();
  options.checkpoint_every = 10;
  fx.write_events(30, options);
  auto lines = fx.lines();
  const std::size_t i = fx.index_of(5);
  lines[i].replace(lines[i].find("\"i\":3"), 5, "\"i\":4");
  AuditFixture::rechain(lines, i);  // every hash and prev made consistent again
  fx.set_lines(lines);
  const std::string before = read_text(segment_path(fx.dir(), 1));
  auto log = AuditLog::open(options, fx.secret_key());
  ASSERT_FALSE(log.has_value());
  EXPECT_EQ(log.error().code, ErrorCode::kIntegrity);
  EXPECT_NE(log.error().message.find("is not the signed checkpoint the head names"),
            std::string::npos)
      << log.error().message;
  EXPECT_EQ(read_text(segment_path(fx.dir(), 1)), before);  // nothing was changed
}

// The writer reads a segment backwards from its end, in windows of 256 KiB, 1 MiB, ..., until
// it reaches the signed head's record, and checks the chain from there. Here 5,000 records
// come before that record and ~540 KB after it: found in the second window, not at the start.
class AuditLogFarHeadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fx_.write_events(5000);
    lines_ = fx_.lines();
    head_index_ = lines_.size() - 1;  // the shutdown checkpoint the head names
    std::size_t event_index = head_index_ - 1;
    while (lines_[event_index].find("\"i\":") == std::string::npos) {
      --event_index;  // an ordinary event, not one of the checkpoints between them
    }
    const std::string event = lines_[event_index];
    const std::uint64_t head_seq = lines_.size();
    const std::string prefix = "{\"seq\":" + std::to_string(event_index + 1) + ",";
    ASSERT_TRUE(event.starts_with(prefix)) << event;
    std::size_t after_head = 0;
    for (std::uint64_t seq = head_seq + 1; seq <= head_seq + 2000; ++seq) {
      lines_.push_back("{\"seq\":" + std::to_string(seq) + "," + event.substr(prefix.size()));
      after_head += lines_.back().size() + 1;
    }
    AuditFixture::rechain(lines_, head_index_ + 1);
    // Past the first window, inside the second, and the file is longer than the second.
    ASSERT_GT(after_head, std::size_t{256} << 10);
    ASSERT_LT(after_head + lines_[head_index_].size(), std::size_t{1} << 20);
    fx_.set_lines(lines_);
    ASSERT_GT(read_text(segment_path(fx_.dir(), 1)).size(), (std::size_t{1} << 20) + 100000);
  }

  Result<std::unique_ptr<AuditLog>> open() {
    return AuditLog::open(fx_.options(), fx_.secret_key());
  }

  static void edit(std::string& line) { line.replace(line.find("\"i\":"), 4, "\"j\":"); }

  // The writer must open and close the log as it is; then what a full verify says of it
  // ("" when it finds nothing wrong).
  std::string writer_opens_then_verify_says() {
    auto log = open();
    if (!log) {
      ADD_FAILURE() << "the writer refused: " << log.error().message;
      return "";
    }
    EXPECT_TRUE((*log)->close().has_value());
    auto report = verify_log(fx_.dir(), fx_.public_key());
    EXPECT_TRUE(report.has_value());
    return report && !report->ok() ? report->to_text() : "";
  }

  AuditFixture fx_;
  std::vector<std::string> lines_;
  std::size_t head_index_ = 0;
};

TEST_F(AuditLogFarHeadTest, ContinuesTheChainAndRepairsATornTail) {
  const std::string path = segment_path(fx_.dir(), 1);
  const std::string intact = read_text(path);
  const std::string torn = "{\"seq\":99999,\"ts\":\"20";
  chitin::testing::write_text(path, intact + torn);
  fx_.write_events(1);
  EXPECT_TRUE(verifies(fx_));
  const auto records = all_records(fx_);
  ASSERT_EQ(records.size(), lines_.size() + 4);  // then audit.open, repair, the event, shutdown
  EXPECT_EQ(records[lines_.size()].seq, lines_.size() + 1);
  bool repaired = false;
  for (const auto& r : records) {
    if (r.type == "audit.repair") {
      repaired = true;
      EXPECT_EQ(r.details["torn_bytes"], torn.size());
    }
  }
  EXPECT_TRUE(repaired);
  EXPECT_EQ(read_text(path).substr(0, intact.size()), intact);  // cut exactly at the torn piece
}

TEST_F(AuditLogFarHeadTest, ARecordEditedAfterTheHeadIsRefused) {
  edit(lines_[head_index_ + 5]);
  fx_.set_lines(lines_);
  auto log = open();
  ASSERT_FALSE(log.has_value());
  EXPECT_NE(log.error().message.find("was modified"), std::string::npos) << log.error().message;
}

// A copy of the head's line planted more than a window after it, with a chain forged from it,
// is found first. The writer continues from the copy; verify reports the break. Rewriting the
// unsigned records after the head in place would have been accepted before this search too.
TEST_F(AuditLogFarHeadTest, ACopyOfTheHeadLineFarAfterItIsLeftToVerify) {
  std::vector<std::string> forged = lines_;
  forged.push_back(lines_[head_index_]);
  forged.push_back(lines_[head_index_ + 1]);
  AuditFixture::rechain(forged, forged.size() - 1);
  fx_.set_lines(forged);
  EXPECT_NE(writer_opens_then_verify_says(), "");
}

// The same trick within one window of the genuine line: the earliest line is taken, and the
// walk from it meets the copy out of order.
TEST_F(AuditLogFarHeadTest, ACopyOfTheHeadLineNearItIsRefused) {
  std::vector<std::string> forged(lines_.begin(),
                                  lines_.begin() + static_cast<std::ptrdiff_t>(head_index_) + 3);
  forged.push_back(lines_[head_index_]);
  forged.insert(forged.end(), lines_.begin() + static_cast<std::ptrdiff_t>(head_index_) + 1,
                lines_.begin() + static_cast<std::ptrdiff_t>(head_index_) + 11);
  AuditFixture::rechain(forged, head_index_ + 4);  // a consistent chain from the copy on
  fx_.set_lines(forged);
  auto log = open();
  ASSERT_FALSE(log.has_value());
  EXPECT_NE(log.error().message.find("chain breaks"), std::string::npos) << log.error().message;
}

// What the search skips is `chitin audit verify`'s: an edit before the head's checkpoint does
// not stop the writer (new checkpoints sign only the chain after it), and verify reports it.
TEST_F(AuditLogFarHeadTest, AnEditBeforeTheHeadIsLeftToVerify) {
  edit(lines_[100]);
  fx_.set_lines(lines_);
  const std::string said = writer_opens_then_verify_says();
  EXPECT_NE(said.find("seq 101 was modified"), std::string::npos) << said;
}

TEST(AuditLogRecoveryTest, RefusesBeforeTruncatingWhenTheHeadedCheckpointLooksTorn) {
  AuditFixture fx;
  fx.write_events(5);
  const std::string path = segment_path(fx.dir(), 1);
  std::string text = read_text(path);
  text.pop_back();  // the final '\n' of the checkpoint the head names
  chitin::testing::write_text(path, text);
  auto log = AuditLog::open(fx.options(), fx.secret_key());
  ASSERT_FALSE(log.has_value());
  EXPECT_EQ(read_text(path), text);  // the evidence is still there
}

TEST(AuditLogRecoveryTest, RefusesGarbageFollowedByMoreBytes) {
  AuditFixture fx;
  fx.write_events(5);
  const std::string path = segment_path(fx.dir(), 1);
  chitin::testing::write_text(path, read_text(path) + "GARBAGE\npartial");
  auto log = AuditLog::open(fx.options(), fx.secret_key());
  ASSERT_FALSE(log.has_value());
  EXPECT_NE(log.error().message.find("not a record"), std::string::npos) << log.error().message;
}

TEST(AuditLogRecoveryTest, RewritesTheHeadAfterACrashRightAfterGenesis) {
  AuditFixture fx;
  fx.write_events(0);
  auto lines = fx.lines();
  fx.set_lines({lines.front()});  // only the genesis checkpoint survived
  ASSERT_EQ(::unlink(head_path(fx.dir()).c_str()), 0);
  fx.write_events(2);
  auto report = verify_log(fx.dir(), fx.public_key());
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok()) << report->to_text();
}

TEST(AuditLogRecoveryTest, ConcurrentClosesBothReturnAndLaterCallsFail) {
  AuditFixture fx;
  auto log = fx.open();
  ASSERT_TRUE(log->append(Event{"tool.exec", "a", "", {}}).has_value());
  std::thread other([&] { EXPECT_TRUE(log->close().has_value()); });
  EXPECT_TRUE(log->close().has_value());
  other.join();
  EXPECT_FALSE(log->append(Event{"tool.exec", "a", "", {}}).has_value());
  auto report = verify_log(fx.dir(), fx.public_key());
  EXPECT_TRUE(report->ok()) << report->to_text();
}

TEST(AuditLogRecoveryTest, DeeplyNestedRecordsAreRefusedNotParsed) {
  const std::string nested = R"({"seq":1,"details":)" + std::string(100000, '[') + "}";
  auto record = parse_record(nested);
  ASSERT_FALSE(record.has_value());
  EXPECT_EQ(record.error().code, ErrorCode::kLimitExceeded);
}

TEST(AuditLogRecoveryTest, DuplicateSegmentNumbersAreAnError) {
  AuditFixture fx;
  fx.write_events(1);
  chitin::testing::write_text(fx.dir() + "/segment-0000001.log", "");
  auto segments = list_segments(fx.dir());
  ASSERT_FALSE(segments.has_value());
  EXPECT_NE(segments.error().message.find("same segment number"), std::string::npos);
}

}  // namespace
}  // namespace chitin::audit
