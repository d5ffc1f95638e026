// `chitin agent --local` end to end against the fake OpenAI-compatible server: the key comes
// from the secrets store (sent as a bearer token, never shown to the model), the turn's events
// stream as JSON Lines, a shell command waits for an approval that another process
// (`chitin approvals`) lists and approves, and the audit log verifies afterwards.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "base/child_process.h"
#include "providers/replay_server.h"
#include "support/chitin_cli.h"
#include "support/temp_dir.h"

namespace chitin {
namespace {

using chitin::providers::openai_text;
using chitin::providers::openai_tool_call;
using chitin::providers::ReplayServer;
using chitin::testing::read_text;
using chitin::testing::TempDir;
using chitin::testing::write_text;
using nlohmann::json;

const std::string kKey = "sk-agent-test-Z8q2Lm4Xw7Pb";

class AgentCliTest : public ::testing::Test {
 protected:
  CapturedRun chitin(const std::vector<std::string>& args, const std::string& input = {}) {
    chitin::testing::ChitinCli cli{CHITIN_BINARY, home(), dir_.path(), dir_.path()};
    return cli.run(args, {}, input);
  }
  std::string home() const { return dir_.file("state"); }
  void SetUp() override { ASSERT_EQ(chitin({"init"}).status.code, 0); }

  void configure(const ReplayServer& server) {
    std::string config = read_text(home() + "/chitin.toml");
    config += "\n[models.default]\nprovider = \"openai\"\nbase_url = \"" + server.base() +
              "/v1\"\nmodel = \"scripted\"\napi_key_secret = \"openai\"\n";
    write_text(home() + "/chitin.toml", config);
    ::chmod((home() + "/chitin.toml").c_str(), 0600);
    auto set = chitin(
        {"secrets", "set", "openai", "--hosts", "127.0.0.1:" + std::to_string(server.port())},
        kKey + "\n");
    ASSERT_EQ(set.status.code, 0) << set.err;
  }

  // `chitin gateway --port 0` on this installation; the URL it reports as ready.
  ChildProcess start_gateway(std::string& url) {
    SpawnOptions options;
    options.argv = {CHITIN_BINARY, "gateway", "--port", "0"};
    options.env = gateway_env();
    options.stdout_mode = Stdio::kPipe;
    options.stderr_mode = Stdio::kNull;
    auto gateway = ChildProcess::spawn(options);
    EXPECT_TRUE(gateway) << gateway.error().describe();
    const std::string ready = chitin::testing::read_until(gateway->stdout_pipe().get(), "/ (web");
    const auto at = ready.find("ready on ");
    EXPECT_NE(at, std::string::npos) << ready;
    url = ready.substr(at + 9, ready.find('/', at + 17) - at - 9);
    return std::move(*gateway);
  }
  std::vector<std::string> gateway_env() const {
    return {"CHITIN_HOME=" + home(), "HOME=" + dir_.path(), "PATH=/usr/bin:/bin"};
  }

  static std::vector<json> lines(const std::string& out) {
    std::vector<json> events;
    std::size_t start = 0;
    while (start < out.size()) {
      const std::size_t end = std::min(out.find('\n', start), out.size());
      if (end > start) {
        events.push_back(json::parse(out.substr(start, end - start)));
      }
      start = end + 1;
    }
    return events;
  }

  TempDir dir_;
};

TEST_F(AgentCliTest, OneTurnStreamsEventsAndSendsTheStoredKeyOnlyAsAHeader) {
  ReplayServer server({openai_tool_call("c1", "write", R"({"path":"hello.txt","content":"hi"})"),
                       openai_text("Wrote hello.txt.")});
  configure(server);
  auto run =
      chitin({"agent", "--local", "--json", "-m", "Please create hello.txt (key " + kKey + ")"});
  ASSERT_EQ(run.status.code, 0) << run.err << run.out;
  const auto events = lines(run.out);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back()["type"], "final");
  EXPECT_EQ(events.back()["answer"], "Wrote hello.txt.");
  EXPECT_EQ(events.back()["stop"], "done");
  EXPECT_EQ(read_text(home() + "/workspace/hello.txt"), "hi");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_NE(requests[0].find("Authorization: Bearer " + kKey), std::string::npos);
  EXPECT_NE(requests[0].find("User-Agent: Chitin/"), std::string::npos);
  for (const std::string& body : server.bodies()) {
    EXPECT_EQ(body.find(kKey), std::string::npos);  // the key never goes into the conversation
  }
  auto verify = chitin({"audit", "verify"});
  EXPECT_EQ(verify.status.code, 0) << verify.out << verify.err;
}

TEST_F(AgentCliTest, AnApprovalWaitsForAnotherProcessToDecide) {
  ReplayServer server(
      {openai_tool_call("c1", "exec", R"({"argv":["sh","-c","echo ran > ran.txt"]})"),
       openai_text("It ran.")});
  configure(server);
  SpawnOptions options;
  options.argv = {CHITIN_BINARY, "agent", "--local", "--json", "-m", "run the script"};
  options.env = std::vector<std::string>{"CHITIN_HOME=" + home(), "HOME=" + dir_.path(),
                                         "PATH=/usr/bin:/bin"};
  options.stdout_mode = Stdio::kPipe;
  options.stderr_mode = Stdio::kPipe;
  auto turn = ChildProcess::spawn(options);
  ASSERT_TRUE(turn) << turn.error().describe();
  std::string out = chitin::testing::read_until(turn->stdout_pipe().get(), "approval_pending");
  ASSERT_NE(out.find("approval_pending"), std::string::npos) << out;
  auto listed = chitin({"approvals", "list", "--json"});
  ASSERT_EQ(listed.status.code, 0) << listed.err;
  const json pending = json::parse(listed.out);
  ASSERT_EQ(pending.size(), 1U);
  EXPECT_EQ(pending[0]["status"], "pending");
  EXPECT_EQ(pending[0]["action"]["argv"], json({"sh", "-c", "echo ran > ran.txt"}));
  EXPECT_FALSE(std::ifstream(home() + "/workspace/ran.txt").good());
  const std::string id = pending[0]["id"];
  auto approved = chitin({"approvals", "approve", id});
  ASSERT_EQ(approved.status.code, 0) << approved.err;
  out += chitin::testing::read_until(turn->stdout_pipe().get(), "\x01");
  auto status = turn->wait();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 0) << out;
  const auto events = lines(out);
  EXPECT_EQ(events.back()["answer"], "It ran.");
  EXPECT_EQ(read_text(home() + "/workspace/ran.txt"), "ran\n");
  auto verify = chitin({"audit", "verify"});
  EXPECT_EQ(verify.status.code, 0) << verify.out << verify.err;
  auto trail = chitin({"audit", "tail", "--type", "approval", "-n", "10"});
  EXPECT_NE(trail.out.find("approval.result"), std::string::npos) << trail.out;
}

TEST_F(AgentCliTest, ThroughTheRunningGatewayWithAnApproval) {
  ReplayServer server(
      {openai_tool_call("c1", "exec", R"({"argv":["sh","-c","echo via-gateway > g.txt"]})"),
       openai_text("Done through the gateway.")});
  configure(server);
  std::string url;
  ChildProcess gateway = start_gateway(url);
  ASSERT_FALSE(url.empty());

  SpawnOptions options;
  options.argv = {CHITIN_BINARY, "agent", "--gateway", url, "--json", "-m", "run it"};
  options.env = gateway_env();
  options.stdout_mode = Stdio::kPipe;
  options.stderr_mode = Stdio::kPipe;
  auto turn = ChildProcess::spawn(options);
  ASSERT_TRUE(turn) << turn.error().describe();
  std::string out = chitin::testing::read_until(turn->stdout_pipe().get(), "approval_pending");
  ASSERT_NE(out.find("approval_pending"), std::string::npos) << out;
  const json pending = json::parse(chitin({"approvals", "list", "--json"}).out);
  ASSERT_EQ(pending.size(), 1U);
  auto approved = chitin({"approvals", "approve", pending[0]["id"]});
  ASSERT_EQ(approved.status.code, 0) << approved.err;
  out += chitin::testing::read_until(turn->stdout_pipe().get(), "\x01");
  auto status = turn->wait();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 0) << out;
  EXPECT_EQ(lines(out).back()["answer"], "Done through the gateway.");
  EXPECT_EQ(read_text(home() + "/workspace/g.txt"), "via-gateway\n");
  ASSERT_TRUE(gateway.kill(SIGTERM));
  ASSERT_TRUE(gateway.wait());
  auto trail = chitin({"audit", "tail", "--type", "approval", "-n", "10"});
  EXPECT_NE(trail.out.find("approval.result"), std::string::npos) << trail.out;
  EXPECT_EQ(chitin({"audit", "verify"}).status.code, 0);
}

// While the gateway holds the audit log, other commands record through it (audit/relay.h),
// and a skill installed meanwhile is offered from the next turn.
TEST_F(AgentCliTest, CommandsRecordWhileTheGatewayRunsAndNewSkillsAreOffered) {
  ReplayServer server({openai_text("I see the skill.")});
  configure(server);
  std::string url;
  ChildProcess gateway = start_gateway(url);
  ASSERT_FALSE(url.empty());
  ASSERT_EQ(::mkdir(dir_.file("hello-skill").c_str(), 0755), 0);
  write_text(dir_.file("hello-skill/SKILL.md"),
             "---\nname: hello-skill\ndescription: Says hello.\n---\n# Hello\n");
  auto installed =
      chitin({"skill", "install", dir_.file("hello-skill"), "--allow-unsigned", "--yes"});
  ASSERT_EQ(installed.status.code, 0) << installed.err;
  auto set = chitin({"secrets", "set", "other", "--hosts", "example.org"}, "value-123\n");
  ASSERT_EQ(set.status.code, 0) << set.err;
  auto turn = chitin({"agent", "--gateway", url, "--json", "-m", "which skills?"});
  ASSERT_EQ(turn.status.code, 0) << turn.err;
  const json request = json::parse(server.bodies().at(0));
  EXPECT_NE(
      request["messages"][0]["content"].get<std::string>().find("- hello-skill: (quarantined"),
      std::string::npos)
      << request["messages"][0]["content"];
  ASSERT_TRUE(gateway.kill(SIGTERM));
  ASSERT_TRUE(gateway.wait());
  auto trail = chitin({"audit", "tail", "--type", "skill", "-n", "10", "--json"});
  EXPECT_NE(trail.out.find("\"relayed\""), std::string::npos) << trail.out;
  EXPECT_EQ(chitin({"audit", "verify"}).status.code, 0);
}

TEST_F(AgentCliTest, WithoutAGatewayItSaysHowToRunLocally) {
  auto run = chitin({"agent", "--gateway", "http://127.0.0.1:1", "-m", "hello"});
  EXPECT_NE(run.status.code, 0);
  EXPECT_NE(run.err.find("--local"), std::string::npos) << run.err;
}

TEST_F(AgentCliTest, ChatAsksApprovalsInlineAndStreamsAnswers) {
  ReplayServer server(
      {openai_tool_call("c1", "exec", R"({"argv":["sh","-c","echo chat > chat.txt"]})"),
       openai_text("Made chat.txt."),
       openai_tool_call("c2", "exec", R"({"argv":["sh","-c","echo no > no.txt"]})"),
       openai_text("Not made.")});
  configure(server);
  auto chat = chitin({"chat", "--local"}, "make chat.txt\ny\nmake no.txt\nn\n/exit\n");
  EXPECT_EQ(chat.status.code, 0) << chat.err;
  EXPECT_NE(chat.out.find("approve? [y/N]"), std::string::npos) << chat.out;
  EXPECT_NE(chat.out.find("Made chat.txt."), std::string::npos) << chat.out;
  EXPECT_NE(chat.out.find("Not made."), std::string::npos) << chat.out;
  EXPECT_EQ(read_text(home() + "/workspace/chat.txt"), "chat\n");
  EXPECT_FALSE(std::ifstream(home() + "/workspace/no.txt").good());
}

TEST_F(AgentCliTest, TheDemoRunsOfflineAndEveryAttackIsStopped) {
  chitin::testing::ChitinCli cli{CHITIN_BINARY, home(), dir_.path(), dir_.path()};
  auto demo = cli.run({"demo"});
  EXPECT_EQ(demo.status.code, 0) << demo.out << demo.err;
  EXPECT_NE(demo.out.find("Demo finished: every attack was stopped."), std::string::npos)
      << demo.out;
  EXPECT_EQ(demo.out.find("[FAILED]"), std::string::npos) << demo.out;
  EXPECT_NE(demo.out.find("scripted REPLAY"), std::string::npos);
  EXPECT_NE(demo.out.find("audit log ok"), std::string::npos);
}

TEST_F(AgentCliTest, AWorkspaceHoldingTheStateDirectoryIsRefused) {
  ReplayServer server({openai_text("never")});
  configure(server);
  for (const std::string& workspace : {dir_.path(), home() + "/keys"}) {
    std::string config = read_text(home() + "/chitin.toml");
    const auto at = config.find("workspace = \"");
    ASSERT_NE(at, std::string::npos);
    config.replace(at, config.find('\n', at) - at, "workspace = \"" + workspace + "\"");
    write_text(home() + "/chitin.toml", config);
    auto run = chitin({"agent", "--local", "-m", "hello"});
    EXPECT_NE(run.status.code, 0) << workspace;
    EXPECT_NE(run.err.find("state directory"), std::string::npos) << run.err;
  }
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(AgentCliTest, WithoutAModelItSaysHowToAddOne) {
  auto run = chitin({"agent", "--local", "-m", "hello"});
  EXPECT_NE(run.status.code, 0);
  EXPECT_NE(run.err.find("[models.default]"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace chitin
