#include "base/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "base/unique_fd.h"

namespace chitin::log {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pipe = make_pipe();
    ASSERT_TRUE(pipe.has_value());
    pipe_ = std::move(*pipe);
    set_output_fd(pipe_.write.get());
    saved_level_ = level();
  }
  void TearDown() override {
    set_output_fd(STDERR_FILENO);
    set_level(saved_level_);
  }
  std::string drain() {
    pipe_.write.reset();
    std::string out;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(pipe_.read.get(), buffer, sizeof(buffer))) > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }

  Pipe pipe_;
  Level saved_level_ = Level::kInfo;
};

int g_format_calls = 0;
int counted() { return ++g_format_calls; }

TEST_F(LogTest, SkipsFormattingBelowTheLevel) {
  set_level(Level::kWarn);
  g_format_calls = 0;
  CHITIN_LOG(kInfo, "value {}", counted());
  EXPECT_EQ(g_format_calls, 0);
  CHITIN_LOG(kError, "value {}", counted());
  EXPECT_EQ(g_format_calls, 1);
  const std::string out = drain();
  EXPECT_EQ(out.find("value 1"), out.rfind("value 1"));
  EXPECT_NE(out.find(" E log_test.cc:"), std::string::npos) << out;
  EXPECT_EQ(out.back(), '\n');
}

TEST_F(LogTest, ParsesLevelNames) {
  EXPECT_EQ(parse_level("debug"), Level::kDebug);
  EXPECT_EQ(parse_level("error"), Level::kError);
  EXPECT_FALSE(parse_level("verbose").has_value());
}

TEST(EscapedTest, NeutralisesControlBytesAndInvalidUtf8) {
  EXPECT_EQ(escaped("ok 中文"), "ok 中文");
  EXPECT_EQ(escaped("line\nforged E x.cc:1] pwned"), "line\\x0aforged E x.cc:1] pwned");
  EXPECT_EQ(escaped("\x1b[31m"), "\\x1b[31m");
  EXPECT_EQ(escaped("a\"b\\c"), "a\\x22b\\x5cc");
  EXPECT_EQ(escaped("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(escaped(std::string(300, 'a'), 10), "aaaaaaaaaa...[290 more bytes]");
}

}  // namespace
}  // namespace chitin::log
