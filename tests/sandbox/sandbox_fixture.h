#pragma once
// A fixture for tests that run programs in a real sandbox (the chitin-sandbox helper) and
// probe it with sandbox_probe, once through a one-shot helper (`chitin sandbox run`) and once
// through the warm helper (the agent's tools): the parameter is RunOptions::warm_helper.
// Needs user namespaces (tier T1); skipped, loudly, where the kernel has none.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "sandbox/runner.h"
#include "support/audit_fixture.h"
#include "support/temp_dir.h"

namespace chitin::sandbox {

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
  std::string limits;  // RunReport::limits
  pid_t helper = -1;   // the one-shot helper's pid (-1 for a warm helper's run)
};

inline std::string read_all(int fd) {
  std::string out;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof(buffer))) > 0) {
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

class SandboxTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    ASSERT_EQ(::mkdir(workspace().c_str(), 0755), 0);
    Outcome probe = run(policy({"/bin/true"}));
    if (probe.code == kExitSetupFailed &&
        probe.err.find("cannot create namespaces") != std::string::npos) {
      GTEST_SKIP() << "no user namespaces on this kernel (tier below T1): " << probe.err;
    }
    ASSERT_EQ(probe.code, 0) << probe.err;
  }

  std::string workspace() const { return dir_.file("workspace"); }

  SandboxPolicy policy(std::vector<std::string> argv) const {
    SandboxPolicy p = default_policy();
    p.workspace = workspace();
    p.env = {"PATH=/usr/bin:/bin", "HOME=/home/sandbox"};
    p.read_only = {probe_dir()};
    p.argv = std::move(argv);
    p.timeout_ms = 30000;
    return p;
  }

  static std::string probe_path() { return SANDBOX_PROBE; }
  static std::string probe_dir() {
    const std::string path = probe_path();
    return path.substr(0, path.rfind('/'));
  }

  Outcome run(const SandboxPolicy& p) const {
    RunOptions options;
    options.helper = CHITIN_SANDBOX_BINARY;
    options.stdin_mode = Stdio::kNull;
    options.stdout_mode = Stdio::kPipe;
    options.stderr_mode = Stdio::kPipe;
    options.warm_helper = GetParam();
    auto process = start_sandboxed(p, options);
    EXPECT_TRUE(process.has_value()) << process.error().describe();
    Outcome outcome;
    if (!process) {
      return outcome;
    }
    outcome.helper = process->helper ? process->helper->pid() : -1;
    outcome.out = read_all(process->stdout_pipe.get());
    outcome.err = read_all(process->stderr_pipe.get());
    auto report = finish_sandboxed(*process);
    EXPECT_TRUE(report.has_value()) << report.error().describe();
    outcome.code = report ? report->exit_code : -1;
    outcome.limits = report ? report->limits : "";
    return outcome;
  }

  // Runs the probe and returns its one-line answer.
  std::string probe(std::vector<std::string> args, SandboxPolicy base = {}) const {
    SandboxPolicy p = base.workspace.empty() ? policy({}) : base;
    p.argv = {probe_path()};
    p.argv.insert(p.argv.end(), args.begin(), args.end());
    Outcome outcome = run(p);
    EXPECT_EQ(outcome.code, 0) << outcome.err;
    while (!outcome.out.empty() && outcome.out.back() == '\n') {
      outcome.out.pop_back();
    }
    return outcome.out;
  }

  chitin::testing::TempDir dir_;
  chitin::testing::AuditFixture audit_;
};

// Test names end in /OneShot or /Warm.
inline std::string helper_kind(const ::testing::TestParamInfo<bool>& info) {
  return info.param ? "Warm" : "OneShot";
}

}  // namespace chitin::sandbox
