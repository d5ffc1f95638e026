#include "sys/file_ops.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "support/temp_dir.h"

namespace chitin::sys {
namespace {

using chitin::testing::read_text;
using chitin::testing::TempDir;
using chitin::testing::write_text;

TEST(WriteFileAtomicTest, WritesExactModeRegardlessOfUmask) {
  TempDir dir;
  const mode_t old_umask = ::umask(0);
  auto written = write_file_atomic(dir.file("a"), "secret", 0600);
  ::umask(old_umask);
  ASSERT_TRUE(written.has_value());
  EXPECT_TRUE(*written);
  EXPECT_EQ(read_text(dir.file("a")), "secret");
  EXPECT_EQ(status_of(dir.file("a"))->mode, 0600u);
}

TEST(WriteFileAtomicTest, ReplaceOverwritesAndLeavesNoTempFiles) {
  TempDir dir;
  ASSERT_TRUE(write_file_atomic(dir.file("a"), "one", 0600).has_value());
  ASSERT_TRUE(write_file_atomic(dir.file("a"), "two", 0644).has_value());
  EXPECT_EQ(read_text(dir.file("a")), "two");
  EXPECT_EQ(status_of(dir.file("a"))->mode, 0644u);
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(WriteFileAtomicTest, CreateOnlyNeverReplaces) {
  TempDir dir;
  write_text(dir.file("key"), "original");
  auto written = write_file_atomic(dir.file("key"), "new", 0600, WriteMode::kCreateOnly);
  ASSERT_TRUE(written.has_value());
  EXPECT_FALSE(*written);
  EXPECT_EQ(read_text(dir.file("key")), "original");
}

TEST(WriteFileAtomicTest, FailsClearlyInAMissingDirectory) {
  TempDir dir;
  auto written = write_file_atomic(dir.file("missing/a"), "x", 0600);
  ASSERT_FALSE(written.has_value());
  EXPECT_NE(written.error().message.find("missing"), std::string::npos);
}

TEST(ReadFileTest, EnforcesTheSizeLimit) {
  TempDir dir;
  write_text(dir.file("big"), std::string(100, 'x'));
  EXPECT_EQ(read_file(dir.file("big"), 100)->size(), 100u);
  auto too_big = read_file(dir.file("big"), 99);
  ASSERT_FALSE(too_big.has_value());
  EXPECT_EQ(too_big.error().code, ErrorCode::kLimitExceeded);
  auto missing = read_file(dir.file("nope"), 10);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(EnsureDirectoryTest, CreatesWithExactModeOnceAndRejectsFiles) {
  TempDir dir;
  auto created = ensure_directory(dir.file("d"), 0700);
  ASSERT_TRUE(created.has_value());
  EXPECT_TRUE(*created);
  EXPECT_EQ(status_of(dir.file("d"))->mode, 0700u);
  EXPECT_FALSE(*ensure_directory(dir.file("d"), 0700));
  write_text(dir.file("f"), "");
  EXPECT_FALSE(ensure_directory(dir.file("f"), 0700).has_value());
}

TEST(StatusTest, ReportsSymlinksWithoutFollowing) {
  TempDir dir;
  ASSERT_EQ(::symlink("/etc/passwd", dir.file("link").c_str()), 0);
  auto status = status_of(dir.file("link"));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->is_symlink);
  EXPECT_FALSE(status->is_regular);
  auto none = status_if_exists(dir.file("none"));
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
}

TEST(OpenBeneathTest, RefusesEscapesByDotDotAbsolutePathAndSymlink) {
  TempDir dir;
  ASSERT_EQ(::mkdir(dir.file("root").c_str(), 0700), 0);
  write_text(dir.file("root/inside"), "ok");
  write_text(dir.file("outside"), "secret");
  ASSERT_EQ(::symlink("../outside", dir.file("root/escape").c_str()), 0);
  ASSERT_EQ(::symlink("inside", dir.file("root/alias").c_str()), 0);
  UniqueFd root = *open_file(dir.file("root"), O_RDONLY | O_DIRECTORY);

  EXPECT_TRUE(open_beneath(root.get(), "inside", O_RDONLY).has_value());
  EXPECT_TRUE(open_beneath(root.get(), "alias", O_RDONLY).has_value());
  EXPECT_FALSE(open_beneath(root.get(), "alias", O_RDONLY, 0, true).has_value());
  for (const char* bad : {"../outside", "escape", "/etc/passwd"}) {
    auto fd = open_beneath(root.get(), bad, O_RDONLY);
    ASSERT_FALSE(fd.has_value()) << bad;
    EXPECT_NE(fd.error().message.find("escapes"), std::string::npos) << fd.error().message;
  }
}

}  // namespace
}  // namespace chitin::sys
