// The warm helper (RunOptions::warm_helper), beyond the escape suite it also passes: runs from
// many threads at once, a helper that died, and a run its caller dropped.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <thread>
#include <vector>

#include "base/child_process.h"
#include "base/parse.h"
#include "sandbox/sandbox_fixture.h"
#include "sys/fd_passing.h"
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

// The children a process has, from /proc (threads of a single-threaded process: itself).
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  auto text = sys::read_file(
      "/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children", 4096);
  std::size_t start = 0;
  while (text && start < text->size()) {
    const std::size_t space = std::min(text->find(' ', start), text->size());
    if (auto child = parse_integer<pid_t>(text->substr(start, space - start), 1)) {
      out.push_back(*child);
    }
    start = space + 1;
  }
  return out;
}

TEST_P(WarmHelperTest, ASupervisorKilledMidRunIsReportedAsAKilledRunNotAsNothingRan) {
  SandboxPolicy p = policy({"/bin/sh", "-c", "echo started; sleep 30"});
  auto process = start_sandboxed(p, warm_options());
  ASSERT_TRUE(process.has_value()) << process.error().describe();
  char buffer[8];
  ASSERT_GT(::read(process->stdout_pipe.get(), buffer, sizeof(buffer)), 0);  // it runs
  // The warm helper's children: the supervisor running this (it has an init) and the next.
  const std::optional<pid_t> helper = warm_helper_pid();
  ASSERT_TRUE(helper.has_value());
  pid_t running = -1;
  for (pid_t child : children_of(*helper)) {
    if (!children_of(child).empty()) {
      running = child;
    }
  }
  ASSERT_NE(running, -1);
  ASSERT_EQ(::kill(running, SIGKILL), 0);
  EXPECT_EQ(read_all(process->stdout_pipe.get()), "");  // the sandbox went with it
  auto report = finish_sandboxed(*process);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->exit_code, 128 + SIGKILL);
}

// The protocol, driven by hand: a malformed request is dropped (and said so on stderr), a
// proper one runs and ends with "exit N", and the helper leaves when its owner closes the
// socket.
TEST_P(WarmHelperTest, TheProtocolDropsMalformedRequestsAndEndsWithItsOwner) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
  UniqueFd ours(pair[0]);
  UniqueFd theirs(pair[1]);
  SpawnOptions spawn;
  spawn.argv = {CHITIN_SANDBOX_BINARY, "--serve-fd", "3"};
  spawn.env = std::vector<std::string>{};
  spawn.stdin_mode = Stdio::kNull;
  spawn.stdout_mode = Stdio::kNull;
  spawn.stderr_mode = Stdio::kPipe;
  spawn.extra_fds = {{theirs.get(), 3}};
  auto helper = ChildProcess::spawn(spawn);
  ASSERT_TRUE(helper.has_value()) << helper.error().describe();
  theirs.reset();

  ASSERT_TRUE(sys::send_with_fds(ours.get(), "nope", {}));

  UniqueFd policy_file(::memfd_create("policy", MFD_CLOEXEC));
  ASSERT_TRUE(policy_file);
  ASSERT_TRUE(sys::write_all(
      policy_file.get(), policy_to_json(policy({"/bin/sh", "-c", "echo hello; exit 5"})).dump()));
  ASSERT_EQ(::lseek(policy_file.get(), 0, SEEK_SET), 0);
  auto null = sys::open_file("/dev/null", O_RDWR);
  auto out = make_pipe();
  auto lifeline = make_pipe();
  auto report = make_pipe();
  ASSERT_TRUE(null && out && lifeline && report);
  const int fds[] = {policy_file.get(), null->get(),          out->write.get(),
                     null->get(),       lifeline->read.get(), report->write.get()};
  ASSERT_TRUE(sys::send_with_fds(ours.get(), "run", fds));
  out->write.reset();
  lifeline->read.reset();
  report->write.reset();
  EXPECT_EQ(read_all(out->read.get()), "hello\n");
  const std::string lines = read_all(report->read.get());
  EXPECT_NE(lines.find("exit 5\n"), std::string::npos) << lines;

  ours.reset();
  auto status = helper->wait();
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->exited && status->code == 0);
  EXPECT_NE(read_all(helper->stderr_pipe().get()).find("malformed request"), std::string::npos);
}

// Only the warm helper's behaviour is under test here.
INSTANTIATE_TEST_SUITE_P(Helpers, WarmHelperTest, ::testing::Values(true), helper_kind);

}  // namespace
}  // namespace chitin::sandbox
