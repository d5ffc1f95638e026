#include "base/child_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace chitin {
namespace {

SpawnOptions shell(std::string script) {
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", std::move(script)};
  return options;
}

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0; }

TEST(ChildProcessTest, ReportsExitCodes) {
  auto child = ChildProcess::spawn(shell("exit 3"));
  ASSERT_TRUE(child.has_value());
  auto status = child->wait();
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->exited);
  EXPECT_EQ(status->code, 3);
  EXPECT_EQ(status->describe(), "exit code 3");
  EXPECT_FALSE(child->wait().has_value());  // already reaped
}

TEST(ChildProcessTest, ReportsDeathBySignal) {
  auto child = ChildProcess::spawn(shell("kill -TERM $$"));
  ASSERT_TRUE(child.has_value());
  auto status = child->wait();
  ASSERT_TRUE(status.has_value());
  EXPECT_FALSE(status->exited);
  EXPECT_EQ(status->signal, SIGTERM);
}

TEST(ChildProcessTest, DestructorKillsAndReaps) {
  pid_t pid = -1;
  {
    auto child = ChildProcess::spawn(shell("exec sleep 60"));
    ASSERT_TRUE(child.has_value());
    pid = child->pid();
    EXPECT_TRUE(process_exists(pid));
  }
  // Reaped, not a zombie: the pid no longer exists for us.
  EXPECT_FALSE(process_exists(pid));
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1);
}

TEST(ChildProcessTest, WaitForTimesOutThenKillWorks) {
  auto child = ChildProcess::spawn(shell("exec sleep 60"));
  ASSERT_TRUE(child.has_value());
  auto early = child->wait_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(early.has_value());
  EXPECT_FALSE(early->has_value());
  ASSERT_TRUE(child->kill(SIGKILL).has_value());
  auto status = child->wait();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->signal, SIGKILL);
}

TEST(ChildProcessTest, MissingProgramIsAClearError) {
  SpawnOptions options;
  options.argv = {"/nonexistent/program"};
  auto child = ChildProcess::spawn(options);
  ASSERT_FALSE(child.has_value());
  EXPECT_NE(child.error().describe().find("/nonexistent/program"), std::string::npos);
  options.argv = {};
  EXPECT_FALSE(ChildProcess::spawn(options).has_value());
}

TEST(RunCapturedTest, FeedsStdinAndCapturesBothStreams) {
  auto run = run_captured(shell("tr a-z A-Z; echo oops >&2; exit 4"), "hello");
  ASSERT_TRUE(run.has_value()) << run.error().describe();
  EXPECT_EQ(run->out, "HELLO");
  EXPECT_EQ(run->err, "oops\n");
  EXPECT_EQ(run->status.code, 4);
}

TEST(RunCapturedTest, HandlesLargeInputAndOutputWithoutDeadlock) {
  const std::string big(1 << 20, 'x');
  auto run = run_captured(shell("cat"), big);
  ASSERT_TRUE(run.has_value()) << run.error().describe();
  EXPECT_EQ(run->out.size(), big.size());
}

TEST(RunCapturedTest, SurvivesAChildThatIgnoresStdin) {
  const std::string big(1 << 20, 'x');
  auto run = run_captured(shell("exec 0<&-; echo done"), big);
  ASSERT_TRUE(run.has_value()) << run.error().describe();
  EXPECT_EQ(run->out, "done\n");
}

TEST(RunCapturedTest, EnforcesOutputCapAndTimeout) {
  auto noisy = run_captured(shell("yes"), {}, 4096);
  ASSERT_FALSE(noisy.has_value());
  EXPECT_EQ(noisy.error().code, ErrorCode::kLimitExceeded);
  auto slow = run_captured(shell("exec sleep 60"), {}, 4096, std::chrono::milliseconds(100));
  ASSERT_FALSE(slow.has_value());
  EXPECT_EQ(slow.error().code, ErrorCode::kLimitExceeded);
}

TEST(RunCapturedTest, PassesExactEnvironmentAndWorkingDirectory) {
  SpawnOptions options = shell("echo \"$ONLY:$HOME:$(pwd)\"");
  options.env = std::vector<std::string>{"ONLY=yes"};
  options.cwd = "/tmp";
  auto run = run_captured(options);
  ASSERT_TRUE(run.has_value()) << run.error().describe();
  EXPECT_EQ(run->out, "yes::/tmp\n");
}

TEST(ChildProcessTest, PassesExtraFdsEvenWhenTheirNumbersCross) {
  auto a = make_pipe();
  auto b = make_pipe();
  ASSERT_TRUE(a && b);
  // Map a's read end to fd 5 and b's read end to fd 4 (whatever numbers they have now).
  SpawnOptions options = shell("cat <&5; cat <&4");
  options.extra_fds = {{a->read.get(), 5}, {b->read.get(), 4}};
  options.stdout_mode = Stdio::kPipe;
  auto child = ChildProcess::spawn(options);
  ASSERT_TRUE(child.has_value()) << child.error().describe();
  ASSERT_EQ(::write(a->write.get(), "first ", 6), 6);
  ASSERT_EQ(::write(b->write.get(), "second", 6), 6);
  a->write.reset();
  b->write.reset();
  a->read.reset();
  b->read.reset();
  std::string out;
  char buffer[64];
  ssize_t n;
  while ((n = ::read(child->stdout_pipe().get(), buffer, sizeof(buffer))) > 0) {
    out.append(buffer, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(out, "first second");
  EXPECT_TRUE(child->wait()->success());
}

}  // namespace
}  // namespace chitin
