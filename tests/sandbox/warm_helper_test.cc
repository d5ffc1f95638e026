// The warm helper (RunOptions::warm_helper), beyond the escape suite it also passes: runs from
// many threads at once, a helper that died, and a run its caller dropped.
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <thread>
#include <vector>

#include "sandbox/sandbox_fixture.h"
#include "sys/file_ops.h"

namespace chitin::sandbox {
namespace {

class WarmHelperTest : public SandboxTest {};

RunOptions warm_options() {
  RunOptions options;
  options.helper = CHITIN_SANDBOX_BINARY;
  options.stdin_mode = Stdio::kNull;
  options.stdout_mode = Stdio::kPipe;
  options.stderr_mode = Stdio::kPipe;
  options.warm_helper = true;
  return options;
}

TEST_P(WarmHelperTest, RunsFromManyThreadsAtOnceEachGetTheirOwnOutputAndStatus) {
  constexpr int kThreads = 4;
  constexpr int kRuns = 3;
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRuns; ++r) {
        const std::string tag = std::to_string(t) + "-" + std::to_string(r);
        SandboxPolicy p = policy({"/bin/sh", "-c", "echo $0; exit 7", tag});
        auto process = start_sandboxed(p, warm_options());
        if (!process) {
          failures[t] += process.error().describe() + "\n";
          continue;
        }
        const std::string out = read_all(process->stdout_pipe.get());
        const std::string err = read_all(process->stderr_pipe.get());
        auto report = finish_sandboxed(*process);
        if (!report || report->exit_code != 7 || out != tag + "\n") {
          failures[t] += tag + ": out '" + out + "' err '" + err + "'\n";
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (const std::string& failure : failures) {
    EXPECT_EQ(failure, "");
  }
}

TEST_P(WarmHelperTest, AWarmHelperThatDiedIsReplaced) {
  const Outcome first = run(policy({"/bin/true"}));
  ASSERT_EQ(first.code, 0) << first.err;
  const std::optional<pid_t> helper = warm_helper_pid();
  ASSERT_TRUE(helper.has_value());
  // Killed, and seen dead (a pidfd does not reap: the runner still owns the child).
  const UniqueFd handle(static_cast<int>(::syscall(SYS_pidfd_open, *helper, 0)));
  ASSERT_TRUE(handle);
  ASSERT_EQ(::kill(*helper, SIGKILL), 0);
  pollfd exited{handle.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&exited, 1, -1), 1);
  // The next run notices and starts another helper.
  const Outcome second = run(policy({"/bin/sh", "-c", "echo again"}));
  EXPECT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(second.out, "again\n");
  EXPECT_NE(warm_helper_pid(), helper);
}

TEST_P(WarmHelperTest, ADroppedRunIsKilled) {
  // The tool would write its marker after 30 s. Dropping the run closes the lifeline; the
  // sandbox is killed, which shows as EOF on its stdout long before that, and no marker.
  SandboxPolicy p =
      policy({"/bin/sh", "-c", "echo started; sleep 30; echo late > /workspace/late"});
  auto process = start_sandboxed(p, warm_options());
  ASSERT_TRUE(process.has_value()) << process.error().describe();
  UniqueFd out = std::move(process->stdout_pipe);
  char buffer[8];
  ASSERT_GT(::read(out.get(), buffer, sizeof(buffer)), 0);  // it runs
  { SandboxProcess dropped = std::move(*process); }
  EXPECT_EQ(read_all(out.get()), "");  // EOF: killed (else this waits 30 s and "late" exists)
  EXPECT_FALSE(sys::status_of(workspace() + "/late").has_value());
}

// Only the warm helper's behaviour is under test here.
INSTANTIATE_TEST_SUITE_P(Helpers, WarmHelperTest, ::testing::Values(true), helper_kind);

}  // namespace
}  // namespace chitin::sandbox
