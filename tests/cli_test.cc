// End-to-end tests of the `chitin` binary: exit codes, one-line errors, init and config.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/child_process.h"
#include "support/chitin_cli.h"
#include "support/temp_dir.h"
#include "sys/file_ops.h"

namespace chitin {
namespace {

using chitin::testing::TempDir;
using chitin::testing::write_text;

class CliTest : public ::testing::Test {
 protected:
  CapturedRun chitin(std::vector<std::string> args) {
    return chitin::testing::ChitinCli{CHITIN_BINARY, home(), dir_.path()}.run(args);
  }
  std::string home() const { return dir_.file("state"); }

  TempDir dir_;
};

int count_lines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

TEST_F(CliTest, VersionAndHelpSucceed) {
  auto version = chitin({"--version"});
  EXPECT_EQ(version.status.code, 0);
  EXPECT_EQ(version.out.rfind("chitin 0.", 0), 0u) << version.out;
  auto help = chitin({"--help"});
  EXPECT_EQ(help.status.code, 0);
  for (const char* command : {"init", "config", "gateway", "agent", "chat", "sandbox", "skill",
                              "privacy", "secrets", "audit", "doctor", "import-openclaw", "demo"}) {
    EXPECT_NE(help.out.find(command), std::string::npos) << command;
  }
}

TEST_F(CliTest, UsageErrorsExitTwoWithOneLine) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {}, {"frobnicate"}, {"init", "--bogus"}, {"config"}, {"config", "check"}}) {
    auto run = chitin(args);
    EXPECT_EQ(run.status.code, 2) << (args.empty() ? "" : args[0]) << ": " << run.err;
    EXPECT_EQ(count_lines(run.err), 1) << run.err;
    EXPECT_EQ(run.err.rfind("chitin: ", 0), 0u) << run.err;
  }
}

TEST_F(CliTest, GatewayRefusesAPublicBindWithoutTlsAndSaysWhatToConfigure) {
  ASSERT_EQ(chitin({"init"}).status.code, 0);
  auto run = chitin({"gateway", "--bind", "0.0.0.0", "--port", "0"});
  EXPECT_EQ(run.status.code, 2);
  EXPECT_NE(run.err.find("gateway.tls_cert and gateway.tls_key"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("ssh -N -L"), std::string::npos) << run.err;
  auto bad = chitin({"gateway", "--bind", "example.com"});
  EXPECT_EQ(bad.status.code, 2) << bad.err;
}

TEST_F(CliTest, InitCreatesStateOnceThenReportsNothingChanged) {
  auto first = chitin({"init"});
  EXPECT_EQ(first.status.code, 0) << first.err;
  EXPECT_NE(first.out.find("created    " + home() + "/chitin.toml"), std::string::npos);
  EXPECT_EQ(sys::status_of(home())->mode, 0700u);
  auto second = chitin({"init"});
  EXPECT_EQ(second.status.code, 0);
  EXPECT_EQ(second.out, home() + " is already initialised; nothing changed.\n");
}

TEST_F(CliTest, HomeFlagOverridesTheEnvironment) {
  const std::string other = dir_.file("other");
  auto run = chitin({"--home", other, "init"});
  EXPECT_EQ(run.status.code, 0) << run.err;
  EXPECT_TRUE(sys::status_of(other + "/chitin.toml").has_value());
  EXPECT_FALSE(sys::status_of(home()).has_value());
}

TEST_F(CliTest, ConfigShowNeedsInitThenPrintsEffectiveConfig) {
  auto before = chitin({"config", "show"});
  EXPECT_EQ(before.status.code, 2);
  EXPECT_NE(before.err.find("run 'chitin init' first"), std::string::npos) << before.err;
  ASSERT_EQ(chitin({"init"}).status.code, 0);
  auto show = chitin({"config", "show"});
  EXPECT_EQ(show.status.code, 0) << show.err;
  EXPECT_NE(show.out.find("bind = \"127.0.0.1\""), std::string::npos);
  EXPECT_NE(show.out.find("port = 18790"), std::string::npos);
  EXPECT_EQ(show.out.find("chtn_gw_"), std::string::npos);  // never the token
}

TEST_F(CliTest, ConfigCheckReportsFileLineKeyAndExitsOne) {
  write_text(dir_.file("bad.toml"), "[gateway]\nport = \"x\"\nprot = 1\n");
  auto bad = chitin({"config", "check", dir_.file("bad.toml")});
  EXPECT_EQ(bad.status.code, 1);
  EXPECT_NE(bad.err.find("chitin: " + dir_.file("bad.toml") +
                         ":2:8: key 'gateway.port': "
                         "expected integer 1..65535, got a "
                         "string\n"),
            std::string::npos)
      << bad.err;
  EXPECT_NE(bad.err.find(dir_.file("bad.toml") + ":3:1: key 'gateway.prot': unknown key"),
            std::string::npos)
      << bad.err;

  write_text(dir_.file("good.toml"), "[egress]\ndangerously_allow_private_addresses = true\n");
  auto good = chitin({"config", "check", dir_.file("good.toml")});
  EXPECT_EQ(good.status.code, 0) << good.err;
  EXPECT_EQ(good.out, dir_.file("good.toml") + ": ok\n");
  EXPECT_NE(good.err.find("egress.dangerously_allow_private_addresses is on"), std::string::npos);

  auto missing = chitin({"config", "check", dir_.file("none.toml")});
  EXPECT_EQ(missing.status.code, 2);
  EXPECT_EQ(count_lines(missing.err), 1);
}

TEST_F(CliTest, DoctorFindsFixesAndAuditsLoosePermissions) {
  ASSERT_EQ(chitin({"init"}).status.code, 0);
  auto clean = chitin({"doctor", "--json"});
  EXPECT_EQ(clean.status.code, 0) << clean.out << clean.err;
  EXPECT_NE(clean.out.find("\"summary\":{\"critical\":0"), std::string::npos) << clean.out;
  ASSERT_EQ(::chmod((home() + "/chitin.toml").c_str(), 0644), 0);
  auto loose = chitin({"doctor"});
  EXPECT_EQ(loose.status.code, 1);
  EXPECT_NE(loose.out.find("[critical] fs.config.perms_world_readable"), std::string::npos)
      << loose.out;
  auto fixed = chitin({"doctor", "--fix"});
  EXPECT_EQ(fixed.status.code, 0) << fixed.out << fixed.err;
  EXPECT_NE(fixed.err.find("fixed: " + home() + "/chitin.toml: 0644 -> 0600"), std::string::npos)
      << fixed.err;
  EXPECT_EQ(sys::status_of(home() + "/chitin.toml")->mode, 0600u);
  auto trail = chitin({"audit", "tail", "--type", "config", "--json"});
  EXPECT_NE(trail.out.find("\"type\":\"config.doctor_fix\""), std::string::npos) << trail.out;
  auto openclaw = chitin({"doctor", "--openclaw", "/nowhere"});
  EXPECT_EQ(openclaw.status.code, 2);
}

}  // namespace
}  // namespace chitin

namespace chitin {
namespace {

class GatewayGateTest : public ::testing::Test {
 protected:
  CapturedRun chitin(std::vector<std::string> args) {
    return chitin::testing::ChitinCli{CHITIN_BINARY, home(), dir_.path()}.run(args);
  }
  std::string home() const { return dir_.file("state"); }
  TempDir dir_;
};

TEST_F(GatewayGateTest, ACriticalFindingStopsTheStartUnlessAcknowledged) {
  ASSERT_EQ(chitin({"init"}).status.code, 0);
  const std::string config = home() + "/chitin.toml";
  ASSERT_EQ(::chmod(config.c_str(), 0622), 0);  // writable by others, not readable
  auto refused = chitin({"gateway", "--port", "0"});
  EXPECT_EQ(refused.status.code, 1) << refused.err;
  EXPECT_NE(refused.err.find("critical fs.config.perms_writable"), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("doctor.acknowledge"), std::string::npos);
  EXPECT_EQ(refused.out.find("ready on"), std::string::npos);

  // Acknowledged: it starts, says so, and the audit log records it.
  std::string text = chitin::testing::read_text(config);
  const auto at = text.find("acknowledge = []");  // init writes the [doctor] table
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, 16, "acknowledge = [\"fs.config.perms_writable\"]");
  write_text(config, text);
  ASSERT_EQ(::chmod(config.c_str(), 0622), 0);  // writable by others, not readable
  SpawnOptions options;
  options.argv = {CHITIN_BINARY, "gateway", "--port", "0"};
  options.env = std::vector<std::string>{"CHITIN_HOME=" + home(), "HOME=" + dir_.path(),
                                         "PATH=/usr/bin:/bin"};
  options.stdout_mode = Stdio::kPipe;
  options.stderr_mode = Stdio::kPipe;
  auto gateway = ChildProcess::spawn(options);
  ASSERT_TRUE(gateway) << gateway.error().describe();
  const std::string out = chitin::testing::read_until(gateway->stdout_pipe().get(), "ready on");
  EXPECT_NE(out.find("ready on"), std::string::npos) << out;
  ASSERT_TRUE(gateway->kill(SIGTERM));
  auto status = gateway->wait();
  ASSERT_TRUE(status);
  // Everything to end of file (the marker never appears).
  const std::string err = chitin::testing::read_until(gateway->stderr_pipe().get(), "\x01");
  EXPECT_NE(err.find("starting despite critical finding fs.config.perms_writable"),
            std::string::npos)
      << err;
  auto trail = chitin({"audit", "tail", "--type", "gateway", "-n", "1000"});
  EXPECT_NE(trail.out.find("gateway.refused"), std::string::npos) << trail.out;
  auto acknowledged = chitin({"audit", "tail", "--type", "doctor", "-n", "1000"});
  EXPECT_NE(acknowledged.out.find("doctor.acknowledged"), std::string::npos) << acknowledged.out;
  // SIGTERM right after "ready" is a clean stop, not a kill.
  EXPECT_TRUE(status->success()) << status->describe();
  // A checkId that is not one is a config error naming the key.
  write_text(config, "[doctor]\nacknowledge = [\"Not An Id\"]\n");
  ASSERT_EQ(::chmod(config.c_str(), 0600), 0);
  auto bad = chitin({"config", "check", config});
  EXPECT_NE(bad.err.find("doctor.acknowledge"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace chitin
