// Tamper tests: every kind of damage `chitin audit verify` must name, with the right seq.

#include "audit/verify.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "audit/segments.h"
#include "support/audit_fixture.h"

namespace chitin::audit {
namespace {

using chitin::testing::AuditFixture;

class VerifyTest : public ::testing::Test {
 protected:
  VerifyReport verify() {
    auto report = verify_log(fx_.dir(), fx_.public_key());
    EXPECT_TRUE(report.has_value()) << report.error().describe();
    return report ? *report : VerifyReport{};
  }
  void expect_damage(Damage kind, std::uint64_t seq) {
    const VerifyReport report = verify();
    EXPECT_EQ(to_string(report.damage), to_string(kind)) << report.to_text();
    EXPECT_EQ(report.bad_seq, seq) << report.to_text();
  }

  AuditFixture fx_;
};

// A log of 30 events: seq 1 genesis checkpoint, 2..31 events, 32 the shutdown checkpoint.
TEST_F(VerifyTest, IntactLogVerifies) {
  fx_.write_events(30);
  const VerifyReport report = verify();
  EXPECT_TRUE(report.ok()) << report.to_text();
  EXPECT_EQ(report.records, 32u);
  EXPECT_EQ(report.last_seq, 32u);
  EXPECT_EQ(report.checkpoints, 2u);
  EXPECT_EQ(report.head_seq, std::optional<std::uint64_t>(32));
  EXPECT_FALSE(report.torn.has_value());
  EXPECT_EQ(report.to_json()["ok"], true);
}

TEST_F(VerifyTest, EmptyDirectoryIsAnEmptyLog) {
  ASSERT_EQ(::mkdir(fx_.dir().c_str(), 0700), 0);
  const VerifyReport report = verify();
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.records, 0u);
}

TEST_F(VerifyTest, DetectsAnEditedRecord) {
  fx_.write_events(30);
  auto lines = fx_.lines();
  const std::size_t i = fx_.index_of(10);
  lines[i].replace(lines[i].find("\"i\":8"), 5, "\"i\":9");
  fx_.set_lines(lines);
  expect_damage(Damage::kModified, 10);
}

TEST_F(VerifyTest, DetectsAnEditedRecordWhoseHashWasRecomputed) {
  fx_.write_events(30);
  auto lines = fx_.lines();
  const std::size_t i = fx_.index_of(10);
  lines[i].replace(lines[i].find("\"i\":8"), 5, "\"i\":9");
  std::vector<std::string> prefix(lines.begin(), lines.begin() + static_cast<long>(i) + 1);
  AuditFixture::rechain(prefix, i);  // fix the record's own hash only
  lines[i] = prefix[i];
  fx_.set_lines(lines);
  expect_damage(Damage::kModified, 10);
}

TEST_F(VerifyTest, DetectsADeletedRecord) {
  fx_.write_events(30);
  auto lines = fx_.lines();
  lines.erase(lines.begin() + static_cast<long>(fx_.index_of(12)));
  fx_.set_lines(lines);
  expect_damage(Damage::kDeleted, 12);
}

TEST_F(VerifyTest, DetectsADeletedRecordEvenWhenTheRestIsRechained) {
  fx_.write_events(30);
  auto lines = fx_.lines();
  const std::size_t i = fx_.index_of(12);
  lines.erase(lines.begin() + static_cast<long>(i));
  AuditFixture::rechain(lines, i);
  fx_.set_lines(lines);
  expect_damage(Damage::kDeleted, 12);
}

TEST_F(VerifyTest, DetectsAnInsertedRecord) {
  fx_.write_events(30);
  auto lines = fx_.lines();
  const std::size_t i = fx_.index_of(15);
  lines.insert(lines.begin() + static_cast<long>(i) + 1, lines[i]);  // a replayed copy
  fx_.set_lines(lines);
  expect_damage(Damage::kInserted, 15);
}

TEST_F(VerifyTest, DetectsAForgedRecordChainedIntoPlace) {
  fx_.write_events(30);
  auto lines = fx_.lines();
  const std::size_t i = fx_.index_of(15);
  // The attacker writes a plausible seq 16 chained to seq 15; the real 16 follows it.
  auto forged = encode_record(16, "2026-11-25T00:00:00Z",
                              Event{"tool.exec", "agent:test", "s1", {{"i", 999}}},
                              parse_frame(lines[i])->stored_hash);
  lines.insert(lines.begin() + static_cast<long>(i) + 1,
               forged->line.substr(0, forged->line.size() - 1));
  fx_.set_lines(lines);
  expect_damage(Damage::kInserted, 16);
}

TEST_F(VerifyTest, DetectsReorderedRecords) {
  fx_.write_events(30);
  auto lines = fx_.lines();
  const std::size_t i = fx_.index_of(20);
  std::swap(lines[i], lines[i + 1]);
  fx_.set_lines(lines);
  expect_damage(Damage::kReordered, 20);
}

TEST_F(VerifyTest, DetectsTruncationAfterACheckpointEvenAtARecordBoundary) {
  LogOptions options = fx_.options();
  options.checkpoint_every = 10;
  fx_.write_events(30, options);
  auto lines = fx_.lines();
  const VerifyReport before = verify();
  ASSERT_TRUE(before.ok()) << before.to_text();
  const std::uint64_t head = *before.head_seq;
  ASSERT_EQ(head, before.last_seq);  // the shutdown checkpoint
  lines.resize(lines.size() - 5);    // cut cleanly at a record boundary
  fx_.set_lines(lines);
  expect_damage(Damage::kTruncated, head - 4);
}

TEST_F(VerifyTest, DetectsACheckpointWithABadSignature) {
  LogOptions options = fx_.options();
  options.checkpoint_every = 10;
  fx_.write_events(30, options);
  auto lines = fx_.lines();
  std::size_t i = 1;
  while (!is_checkpoint_line(lines[i])) {
    ++i;
  }
  const std::uint64_t seq = parse_frame(lines[i])->seq;
  auto record = parse_record(lines[i]);
  std::string sig = record->details["sig"];
  sig[5] = sig[5] == 'A' ? 'B' : 'A';
  const std::size_t at = lines[i].find(record->details["sig"].get<std::string>());
  lines[i].replace(at, sig.size(), sig);
  AuditFixture::rechain(lines, i);  // the chain itself is made valid again
  fx_.set_lines(lines);
  expect_damage(Damage::kBadSignature, seq);
}

TEST_F(VerifyTest, DetectsALogSignedWithAnotherKey) {
  AuditFixture other;
  other.write_events(5);
  const auto report = verify_log(other.dir(), fx_.public_key());
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->damage, Damage::kBadSignature);
  EXPECT_EQ(report->bad_seq, 1u);
}

TEST_F(VerifyTest, DetectsATamperedOrMissingHead) {
  fx_.write_events(5);
  auto head = read_head(fx_.dir());
  ASSERT_TRUE(head.has_value() && head->has_value());
  Head forged = **head;
  forged.seq += 1;
  ASSERT_TRUE(write_head(fx_.dir(), forged).has_value());
  expect_damage(Damage::kBadSignature, forged.seq);
  ASSERT_EQ(::unlink(head_path(fx_.dir()).c_str()), 0);
  expect_damage(Damage::kHeadMissing, 8);
  chitin::testing::write_text(head_path(fx_.dir()), "{not json");
  EXPECT_EQ(verify().damage, Damage::kBadSignature);
}

TEST_F(VerifyTest, ReportsATornFinalRecordAndAcceptsThePrefix) {
  fx_.write_events(10);
  auto lines = fx_.lines();
  const std::string extra = lines[3].substr(0, 40);  // half a record, no newline
  std::string text = chitin::testing::read_text(segment_path(fx_.dir(), 1)) + extra;
  chitin::testing::write_text(segment_path(fx_.dir(), 1), text);
  const VerifyReport report = verify();
  EXPECT_TRUE(report.ok()) << report.to_text();
  ASSERT_TRUE(report.torn.has_value());
  EXPECT_EQ(report.torn->after_seq, 12u);
  EXPECT_EQ(report.torn->bytes, 40u);
  EXPECT_NE(report.to_text().find("torn final record: 40 bytes after seq 12"), std::string::npos);
}

TEST_F(VerifyTest, GarbageInTheMiddleIsMalformedNotTorn) {
  fx_.write_events(10);
  auto lines = fx_.lines();
  lines.insert(lines.begin() + 4, "garbage");
  fx_.set_lines(lines);
  expect_damage(Damage::kMalformed, 5);
}

TEST_F(VerifyTest, ChainContinuesAcrossSegmentsAndADeletedSegmentIsFound) {
  LogOptions options = fx_.options();
  options.segment_max_bytes = 2048;
  options.flush_interval = std::chrono::milliseconds(1);
  auto log = fx_.open(options);
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(log->append(Event{"tool.exec", "a", "s", {{"i", i}}}).has_value());
    ASSERT_TRUE(log->flush().has_value());  // one batch per record: rotation is exercised
  }
  ASSERT_TRUE(log->close().has_value());
  const VerifyReport report = verify();
  EXPECT_TRUE(report.ok()) << report.to_text();
  ASSERT_GE(report.segments, 4u);
  const auto segments = *list_segments(fx_.dir());
  const auto first_of_third = parse_frame(fx_.lines(3).front())->seq;
  ASSERT_EQ(::unlink(segments[1].path.c_str()), 0);
  const VerifyReport damaged = verify();
  EXPECT_EQ(damaged.damage, Damage::kDeleted) << damaged.to_text();
  EXPECT_EQ(damaged.bad_seq, parse_frame(fx_.lines(1).back())->seq + 1);
  EXPECT_LT(damaged.bad_seq, first_of_third);
}

}  // namespace
}  // namespace chitin::audit
