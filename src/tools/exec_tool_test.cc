#include "tools/exec_tool.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/temp_dir.h"

namespace chitin::tools {
namespace {

using chitin::testing::read_text;
using chitin::testing::TempDir;
using chitin::testing::write_text;

ExecSetup setup_for(const TempDir& dir) {
  std::filesystem::create_directories(dir.file("ws"));
  ExecSetup setup;
  setup.workspace = dir.file("ws");
  setup.limits.timeout_s = 20;
  setup.helper = CHITIN_SANDBOX_BINARY;
  return setup;
}

TEST(ExecTool, RunsInTheWorkspaceAndCapturesBothStreams) {
  TempDir dir;
  ExecSetup setup = setup_for(dir);
  write_text(dir.file("ws/a.txt"), "hello\n");
  auto outcome =
      run_exec({"sh", "-c", "pwd; cat a.txt; echo oops >&2; echo new > b.txt; exit 3"}, setup);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().describe();
  EXPECT_EQ(outcome->exit_code, 3);
  EXPECT_EQ(outcome->out, "/workspace\nhello\n");
  EXPECT_EQ(outcome->err, "oops\n");
  EXPECT_EQ(read_text(dir.file("ws/b.txt")), "new\n");
  const std::string text = outcome->render();
  EXPECT_NE(text.find("exit status 3"), std::string::npos);
  EXPECT_NE(text.find("stderr:\noops"), std::string::npos);
}

TEST(ExecTool, OutputIsCappedAndTheRestCounted) {
  TempDir dir;
  ExecSetup setup = setup_for(dir);
  setup.max_output_bytes = 100;
  auto outcome = run_exec({"head", "-c", "1000000", "/dev/zero"}, setup);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().describe();
  EXPECT_EQ(outcome->exit_code, 0);
  EXPECT_EQ(outcome->out.size(), 100U);
  EXPECT_EQ(outcome->out_bytes, 1000000U);
  EXPECT_NE(outcome->render().find("[999900 more bytes of stdout not shown]"), std::string::npos);
}

TEST(ExecTool, NoHostHomeNoNetworkAndTheTimeLimitHolds) {
  TempDir dir;
  ExecSetup setup = setup_for(dir);
  auto home = run_exec({"ls", "/root", "/home"}, setup);
  ASSERT_TRUE(home.has_value());
  EXPECT_NE(home->exit_code, 0);
  setup.limits.timeout_s = 1;
  auto slow = run_exec({"sleep", "30"}, setup);
  ASSERT_TRUE(slow.has_value());
  EXPECT_EQ(slow->exit_code, 124);
  EXPECT_NE(slow->render().find("time limit"), std::string::npos);
  auto missing = run_exec({"no-such-program-xyz"}, setup);
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->exit_code, 127);
}

}  // namespace
}  // namespace chitin::tools
