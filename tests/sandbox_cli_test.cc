// End-to-end tests of `chitin sandbox run` and `chitin sandbox selftest`.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "base/child_process.h"
#include "base/unique_fd.h"
#include "support/chitin_cli.h"
#include "support/http_server.h"
#include "support/temp_dir.h"
#include "sys/file_ops.h"

namespace chitin {
namespace {

using chitin::testing::read_text;
using chitin::testing::TempDir;

class SandboxCliTest : public ::testing::Test {
 protected:
  CapturedRun chitin(std::vector<std::string> args, std::vector<std::string> extra_env = {}) {
    chitin::testing::ChitinCli cli{CHITIN_BINARY, dir_.file("state"), dir_.path(), workspace()};
    return cli.run(args, extra_env);
  }
  std::string workspace() const { return dir_.file("ws"); }
  void SetUp() override { ASSERT_EQ(::mkdir(workspace().c_str(), 0755), 0); }

  TempDir dir_;
};

TEST_F(SandboxCliTest, RefusesToRunUnauditedBeforeInit) {
  auto run = chitin({"sandbox", "run", "--", "/bin/true"});
  EXPECT_EQ(run.status.code, 2);
  EXPECT_NE(run.err.find("run 'chitin init' first"), std::string::npos) << run.err;
}

TEST_F(SandboxCliTest, RunsInTheCurrentDirectoryAndPassesTheExitStatus) {
  ASSERT_EQ(chitin({"init"}).status.code, 0);
  auto run = chitin(
      {"sandbox", "run", "--", "/bin/sh", "-c", "pwd; echo made > /workspace/out.txt; exit 3"});
  EXPECT_EQ(run.status.code, 3) << run.err;
  EXPECT_EQ(run.out, "/workspace\n");
  EXPECT_EQ(read_text(workspace() + "/out.txt"), "made\n");
  // Audited: the program, never its arguments.
  auto tail = chitin({"audit", "tail", "--type", "tool", "--json"});
  EXPECT_NE(tail.out.find("\"type\":\"tool.exec\""), std::string::npos) << tail.out;
  EXPECT_NE(tail.out.find("\"program\":\"/bin/sh\""), std::string::npos);
  EXPECT_NE(tail.out.find("\"exit\":3"), std::string::npos);
  EXPECT_EQ(tail.out.find("out.txt"), std::string::npos);
  // Which limits were in force is on record.
  EXPECT_NE(tail.out.find("\"limits\":\"pids: "), std::string::npos) << tail.out;
}

TEST_F(SandboxCliTest, QuarantinedPathsAreAudited) {
  ASSERT_EQ(chitin({"init"}).status.code, 0);
  auto run = chitin({"sandbox", "run", "--", "/bin/sh", "-c", "echo x > /workspace/.envrc"});
  EXPECT_EQ(run.status.code, 0) << run.err;
  EXPECT_NE(run.err.find("protected path '.envrc'"), std::string::npos) << run.err;
  auto tail = chitin({"audit", "tail", "--type", "sandbox", "--json"});
  EXPECT_NE(tail.out.find("\"type\":\"sandbox.quarantine\""), std::string::npos) << tail.out;
}

TEST_F(SandboxCliTest, TimeoutMissingCommandAndEnvironment) {
  ASSERT_EQ(chitin({"init"}).status.code, 0);
  auto slow = chitin({"sandbox", "run", "--timeout", "1", "--", "/bin/sleep", "10"});
  EXPECT_EQ(slow.status.code, 124);
  auto missing = chitin({"sandbox", "run", "--", "no-such-tool"});
  EXPECT_EQ(missing.status.code, 127);
  auto env = chitin({"sandbox", "run", "--env", "PASSED", "--env", "SET=yes", "--", "/bin/sh", "-c",
                     "echo \"$PASSED $SET ${HIDDEN:-unset}\""},
                    {"PASSED=from-caller", "HIDDEN=secret"});
  EXPECT_EQ(env.status.code, 0) << env.err;
  EXPECT_EQ(env.out, "from-caller yes unset\n");
  auto unset = chitin({"sandbox", "run", "--env", "NOT_THERE", "--", "/bin/true"});
  EXPECT_EQ(unset.status.code, 2);
}

TEST_F(SandboxCliTest, ExtraPathsAreBoundAsAsked) {
  ASSERT_EQ(chitin({"init"}).status.code, 0);
  ASSERT_EQ(::mkdir(dir_.file("data").c_str(), 0755), 0);
  chitin::testing::write_text(dir_.file("data/in.txt"), "input\n");
  auto read = chitin(
      {"sandbox", "run", "--ro", dir_.file("data"), "--", "/bin/cat", dir_.file("data/in.txt")});
  EXPECT_EQ(read.status.code, 0) << read.err;
  EXPECT_EQ(read.out, "input\n");
  auto write = chitin({"sandbox", "run", "--ro", dir_.file("data"), "--", "/bin/sh", "-c",
                       "echo x > " + dir_.file("data/new")});
  EXPECT_NE(write.status.code, 0);
  EXPECT_FALSE(sys::status_of(dir_.file("data/new")).has_value());
}

TEST_F(SandboxCliTest, SelftestReportsTierT1AndEveryProbePasses) {
  auto run = chitin({"sandbox", "selftest", "--json"});
  auto report = nlohmann::json::parse(run.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << run.out << run.err;
  EXPECT_EQ(report["tier"], "T1") << run.out;
  EXPECT_EQ(report["ok"], true) << run.out;
  EXPECT_GE(report["landlock_abi"].get<int>(), 4);
  EXPECT_EQ(run.status.code, 0);
  for (const auto& probe : report["probes"]) {
    EXPECT_TRUE(probe["passed"].get<bool>()) << probe.dump();
  }
}

TEST_F(SandboxCliTest, AllowHostOpensOnlyThatHostThroughTheProxy) {
  ASSERT_EQ(chitin({"init"}).status.code, 0);
  chitin::testing::LoopbackHttpServer server("hi");
  const std::string port = std::to_string(server.port());
  const std::string probe = SANDBOX_PROBE;
  const std::string probe_dir = probe.substr(0, probe.rfind('/'));
  auto allowed = chitin({"sandbox", "run", "--allow-host", "127.0.0.1:" + port, "--ro", probe_dir,
                         "--", probe, "http-get", "http://127.0.0.1:" + port + "/"});
  EXPECT_EQ(allowed.status.code, 0) << allowed.err;
  EXPECT_EQ(allowed.out, "HTTP/1.1 200 OK|hi\n");
  // A name that resolves to loopback never counts, even allow-listed.
  auto by_name = chitin({"sandbox", "run", "--allow-host", "localhost:" + port, "--ro", probe_dir,
                         "--", probe, "http-get", "http://localhost:" + port + "/"});
  EXPECT_NE(by_name.out.find("403 Forbidden|chitin egress: localhost resolves to a non-public"),
            std::string::npos)
      << by_name.out;
  auto everything = chitin({"sandbox", "run", "--allow-host", "*", "--", "/bin/true"});
  EXPECT_EQ(everything.status.code, 2);
  EXPECT_NE(everything.err.find("would allow every host"), std::string::npos);
  auto trail = chitin({"audit", "tail", "--type", "egress", "--json", "-n", "100"});
  EXPECT_NE(trail.out.find("\"type\":\"egress.allow\""), std::string::npos);
  EXPECT_NE(trail.out.find("\"type\":\"egress.deny\""), std::string::npos);
}

}  // namespace
}  // namespace chitin
