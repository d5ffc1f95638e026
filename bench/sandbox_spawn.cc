// Sandbox start-up benchmark (issue #4). Run by hand on a release build:
//   build/release/bin/sandbox_spawn [RUNS]
// Median and p95 wall time to run /bin/true: plainly (posix_spawn + wait), under Chitin's
// sandbox with a one-shot helper (the path of `chitin sandbox run`, minus the CLI and audit)
// and with the warm helper (the path of the agent's tools in the gateway: run_exec sets
// RunOptions::warm_helper), and under bwrap with an equivalent minimal policy when bwrap is
// installed — interleaved in the same run, so the figures compare on the same machine state.
// "Added" is median minus the plain median. Every run starts on a quiet machine: after each
// sample, untimed, the bench waits for one-shot helpers' teardowns and pauses 4 ms (which
// also lets the warm helper tear its last supervisor down and prepare the next, as the
// model's turn between two tool calls does in the gateway); a last phase runs the warm path
// back to back with no gap at all. Without the pause, each helper's teardown slows whatever
// runs next: bwrap's sample after a warm run, which flattered Chitin's ratios (session 9's
// figures), or a one-shot run after a warm one (0.85 instead of 0.65).

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "base/child_process.h"
#include "base/parse.h"
#include "sandbox/runner.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
  double median_ms = 0;
  double p95_ms = 0;
};

Stats stats(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return {samples[samples.size() / 2], samples[samples.size() * 95 / 100]};
}

// Chitin's helpers report a run before they tear its sandbox down, off the caller's time. So
// that this work does not spill into the next measured run (of any kind), every sample is
// followed, untimed, by waiting for one-shot teardowns and a pause.
void settle() {
  chitin::sandbox::wait_for_teardown();
  // A busy pause, not a sleep: an idle vCPU of this VM takes long to wake, which would make
  // every kind of run slower after it alike and measure the hypervisor instead.
  const auto until = Clock::now() + std::chrono::milliseconds(4);
  while (Clock::now() < until) {
  }
}

template <class F>
Stats measure(int runs, F&& run_once) {
  std::vector<double> samples;
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    if (!run_once()) {
      std::fprintf(stderr, "a run failed\n");
      std::exit(1);
    }
    samples.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    settle();
  }
  return stats(std::move(samples));
}

bool spawn_and_wait(std::vector<std::string> argv) {
  chitin::SpawnOptions options;
  options.argv = std::move(argv);
  options.stdout_mode = chitin::Stdio::kNull;
  options.stderr_mode = chitin::Stdio::kNull;
  auto child = chitin::ChildProcess::spawn(options);
  return child && child->wait() && true;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 200;
  if (argc > 1) {
    auto parsed = chitin::parse_integer<int>(argv[1], 10, 100000);
    if (!parsed) {
      std::fprintf(stderr, "usage: sandbox_spawn [RUNS]\n");
      return 2;
    }
    runs = *parsed;
  }
  std::string workspace = "/tmp/chitin-bench-ws-XXXXXX";
  if (mkdtemp(workspace.data()) == nullptr) {
    return 1;
  }
  chitin::sandbox::SandboxPolicy policy = chitin::sandbox::default_policy();
  policy.argv = {"/bin/true"};
  policy.env = {"PATH=/usr/bin:/bin", "HOME=/home/sandbox"};
  policy.workspace = workspace;
  chitin::sandbox::RunOptions options;
  options.stdout_mode = chitin::Stdio::kNull;
  options.stderr_mode = chitin::Stdio::kNull;
  chitin::sandbox::RunOptions warm = options;
  warm.warm_helper = true;
  // The warm helper's start is a one-time cost of the process, outside the samples.
  if (auto first = chitin::sandbox::run_sandboxed(policy, warm); !first || *first != 0) {
    std::fprintf(stderr, "the warm helper's first run failed\n");
    return 1;
  }

  // Interleave the three so drift in machine load hits each alike.
  std::vector<double> plain_samples;
  std::vector<double> chitin_samples;
  std::vector<double> warm_samples;
  std::vector<double> bwrap_samples;
  const bool have_bwrap = ::access("/usr/bin/bwrap", X_OK) == 0;
  const std::vector<std::string> bwrap = {"/usr/bin/bwrap",
                                          "--unshare-all",
                                          "--die-with-parent",
                                          "--new-session",
                                          "--ro-bind",
                                          "/usr",
                                          "/usr",
                                          "--symlink",
                                          "usr/bin",
                                          "/bin",
                                          "--symlink",
                                          "usr/lib",
                                          "/lib",
                                          "--symlink",
                                          "usr/lib64",
                                          "/lib64",
                                          "--symlink",
                                          "usr/sbin",
                                          "/sbin",
                                          "--ro-bind",
                                          "/etc/ld.so.cache",
                                          "/etc/ld.so.cache",
                                          "--proc",
                                          "/proc",
                                          "--dev",
                                          "/dev",
                                          "--tmpfs",
                                          "/tmp",
                                          "--bind",
                                          workspace,
                                          "/workspace",
                                          "--chdir",
                                          "/workspace",
                                          "--cap-drop",
                                          "ALL",
                                          "/bin/true"};
  for (int i = 0; i < runs; ++i) {
    plain_samples.push_back(measure(1, [] { return spawn_and_wait({"/bin/true"}); }).median_ms);
    chitin_samples.push_back(measure(1, [&] {
                               auto code = chitin::sandbox::run_sandboxed(policy, options);
                               return code && *code == 0;
                             }).median_ms);
    warm_samples.push_back(measure(1, [&] {
                             auto code = chitin::sandbox::run_sandboxed(policy, warm);
                             return code && *code == 0;
                           }).median_ms);
    if (have_bwrap) {
      bwrap_samples.push_back(measure(1, [&] { return spawn_and_wait(bwrap); }).median_ms);
    }
  }
  // Back to back: no pause at all between the runs.
  std::vector<double> back_to_back;
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    auto code = chitin::sandbox::run_sandboxed(policy, warm);
    if (!code || *code != 0) {
      std::fprintf(stderr, "a run failed\n");
      return 1;
    }
    back_to_back.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  ::rmdir(workspace.c_str());
  const Stats plain = stats(plain_samples);
  const Stats chitin = stats(chitin_samples);
  const Stats warm_stats = stats(warm_samples);
  const Stats busy = stats(back_to_back);
  std::printf("sandbox_spawn: %d runs of /bin/true each, interleaved\n", runs);
  std::printf("plain posix_spawn : median %6.2f ms  p95 %6.2f ms\n", plain.median_ms, plain.p95_ms);
  std::printf("chitin, one-shot  : median %6.2f ms  p95 %6.2f ms  added %6.2f ms\n",
              chitin.median_ms, chitin.p95_ms, chitin.median_ms - plain.median_ms);
  std::printf("chitin, warm      : median %6.2f ms  p95 %6.2f ms  added %6.2f ms\n",
              warm_stats.median_ms, warm_stats.p95_ms, warm_stats.median_ms - plain.median_ms);
  std::printf("chitin, warm, back to back: median %6.2f ms  p95 %6.2f ms  added %6.2f ms\n",
              busy.median_ms, busy.p95_ms, busy.median_ms - plain.median_ms);
  if (have_bwrap) {
    const Stats bw = stats(bwrap_samples);
    std::printf("bwrap (minimal)   : median %6.2f ms  p95 %6.2f ms  added %6.2f ms\n", bw.median_ms,
                bw.p95_ms, bw.median_ms - plain.median_ms);
    const double bwrap_added = bw.median_ms - plain.median_ms;
    std::printf(
        "added / bwrap added: one-shot %.2f, warm %.2f, warm back to back %.2f (target <= 0.5)\n",
        (chitin.median_ms - plain.median_ms) / bwrap_added,
        (warm_stats.median_ms - plain.median_ms) / bwrap_added,
        (busy.median_ms - plain.median_ms) / bwrap_added);
  } else {
    std::printf("bwrap not installed: no baseline\n");
  }
  return 0;
}
