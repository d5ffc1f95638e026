#include "audit/reader.h"

#include <gtest/gtest.h>

#include "support/audit_fixture.h"

namespace chitin::audit {
namespace {

using chitin::testing::AuditFixture;

TEST(LogFollowerTest, ReadsAllSegmentsThenOnlyNewCompleteLines) {
  AuditFixture fx;
  LogOptions options = fx.options();
  options.segment_max_bytes = 1024;
  auto log = fx.open(options);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(log->append(Event{"tool.exec", "a", "", {{"i", i}}}).has_value());
    ASSERT_TRUE(log->flush().has_value());
  }
  LogFollower follower(fx.dir());
  auto first = follower.read_new();
  ASSERT_TRUE(first.has_value()) << first.error().describe();
  EXPECT_EQ(first->size(), 21u);
  EXPECT_TRUE(follower.read_new()->empty());
  ASSERT_TRUE(log->append(Event{"auth.fail", "a", "", {}}).has_value());
  auto second = follower.read_new();
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ(parse_record(second->front())->type, "auth.fail");
  // A partial line waits for its newline.
  ASSERT_TRUE(log->close().has_value());
  const std::string path = segment_path(fx.dir(), list_segments(fx.dir())->back().number);
  chitin::testing::write_text(path, chitin::testing::read_text(path) + "{\"seq\":");
  auto third = follower.read_new();
  EXPECT_EQ(third->size(), 1u);  // the shutdown checkpoint, not the partial line
}

}  // namespace
}  // namespace chitin::audit
