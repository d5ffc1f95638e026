#include "policy/tool_policy.h"

#include <gtest/gtest.h>

namespace chitin::policy {
namespace {

Action exec_of(std::vector<std::string> argv) {
  Action action;
  action.tool = "exec";
  action.argv = std::move(argv);
  action.cwd = ".";
  return action;
}

TEST(ToolPolicy, ShellsAndInlineCodeAreRecognisedThroughWrappers) {
  for (const std::vector<std::string>& argv :
       std::vector<std::vector<std::string>>{{"sh", "-c", "ls"},
                                             {"/bin/bash", "-lc", "id"},
                                             {"bash", "script.sh"},
                                             {"env", "A=1", "sh", "-c", "x"},
                                             {"timeout", "5", "python3", "-c", "print(1)"},
                                             {"nohup", "nice", "-n", "5", "dash"},
                                             {"python3.11", "-Ic", "import os"},
                                             {"node", "-e", "1"},
                                             {"perl", "-E", "say 1"},
                                             {"awk", "BEGIN{system(\"id\")}"},
                                             {"xargs", "-0", "bash"},
                                             {"timeout", "-s", "KILL", "10", "sh", "-c", "x"},
                                             {"env", "-u", "X", "sh"},
                                             {"sudo", "-u", "root", "bash"},
                                             {"env", "ls"},
                                             {"node", "--eval=1"}}) {
    EXPECT_TRUE(is_shell_string(argv)) << argv.front() << " " << argv.back();
  }
  for (const std::vector<std::string>& argv :
       std::vector<std::vector<std::string>>{{"ls", "-la"},
                                             {"python3", "tool.py"},
                                             {"grep", "-c", "sh"},
                                             {"env"},
                                             {"shasum", "a"},
                                             {"cat", "bash"}}) {
    EXPECT_FALSE(is_shell_string(argv)) << argv.front() << " " << argv.back();
  }
}

TEST(ToolPolicy, ExecAllowListAndShellStringsDecide) {
  config::AgentConfig agent;
  ToolPolicy policy(agent, {});
  TurnState turn;
  EXPECT_EQ(policy.decide(exec_of({"ls", "-la"}), "1", turn).verdict, Verdict::kAllow);
  Decision curl = policy.decide(exec_of({"curl", "x"}), "2", turn);
  EXPECT_EQ(curl.verdict, Verdict::kAsk);
  EXPECT_NE(curl.reason.find("'curl' is not on agent.exec_allow"), std::string::npos);
  Decision shell = policy.decide(exec_of({"sh", "-c", "ls"}), "3", turn);
  EXPECT_EQ(shell.verdict, Verdict::kAsk);
  EXPECT_NE(shell.reason.find("shell"), std::string::npos);
  // An allow-listed name does not cover a path to it, nor the reverse.
  EXPECT_EQ(policy.decide(exec_of({"/usr/bin/ls"}), "4", turn).verdict, Verdict::kAsk);
}

TEST(ToolPolicy, DeniedToolsAreNotOfferedAndRefused) {
  config::AgentConfig agent;
  agent.tools_allow = {"read", "list", "exec"};
  agent.tools_deny = {"exec"};
  ToolPolicy policy(agent, {});
  EXPECT_EQ(policy.offered(), (std::vector<std::string>{"read", "list"}));
  TurnState turn;
  Decision exec = policy.decide(exec_of({"ls"}), "{}", turn);
  EXPECT_EQ(exec.verdict, Verdict::kDeny);
  Action unknown;
  unknown.tool = "rm_rf";
  EXPECT_EQ(policy.decide(unknown, "{}", turn).verdict, Verdict::kDeny);
}

TEST(ToolPolicy, TaintMakesEverySideEffectAsk) {
  config::AgentConfig agent;
  ToolPolicy policy(agent, {});
  TurnState turn;
  Action write;
  write.tool = "write";
  write.path = "notes.md";
  Action read;
  read.tool = "read";
  read.path = "notes.md";
  EXPECT_EQ(policy.decide(write, "a", turn).verdict, Verdict::kAllow);
  turn.tainted = true;
  turn.taint_source = "output of web_fetch";
  Decision after = policy.decide(write, "b", turn);
  EXPECT_EQ(after.verdict, Verdict::kAsk);
  EXPECT_NE(after.reason.find("output of web_fetch"), std::string::npos);
  EXPECT_EQ(policy.decide(read, "c", turn).verdict, Verdict::kAllow);
  EXPECT_EQ(policy.decide(exec_of({"ls"}), "d", turn).verdict, Verdict::kAsk);
}

TEST(ToolPolicy, QuarantinedSkillsAndSkillShellStringsAsk) {
  ToolPolicy policy(config::AgentConfig{}, {});
  TurnState turn;
  Action run;
  run.tool = "skill_exec";
  run.skill = "weather";
  run.argv = {"/skill/scripts/forecast.sh", "Paris"};
  EXPECT_EQ(policy.decide(run, "a", turn).verdict, Verdict::kAllow);
  Action read;
  read.tool = "skill_read";
  read.skill = "weather";
  read.path = "SKILL.md";
  EXPECT_EQ(policy.decide(read, "b", turn).verdict, Verdict::kAllow);
  run.argv = {"sh", "-c", "curl x | sh"};
  EXPECT_EQ(policy.decide(run, "c", turn).verdict, Verdict::kAsk);
  run.argv = {"bash", "/skill/scripts/forecast.sh", "Paris"};  // the skill's own script
  EXPECT_EQ(policy.decide(run, "c2", turn).verdict, Verdict::kAllow);
  run.argv = {"bash", "/skill/../tmp/x.sh"};
  EXPECT_EQ(policy.decide(run, "c3", turn).verdict, Verdict::kAsk);
  run.argv = {"sh", "-c", "/skill/scripts/forecast.sh"};
  EXPECT_EQ(policy.decide(run, "c4", turn).verdict, Verdict::kAsk);
  read.skill_quarantined = true;
  const Decision quarantined = policy.decide(read, "d", turn);
  EXPECT_EQ(quarantined.verdict, Verdict::kAsk);
  EXPECT_NE(quarantined.reason.find("the skill 'weather' is quarantined"), std::string::npos);
  turn.tainted = true;
  run.argv = {"/skill/scripts/forecast.sh"};
  EXPECT_EQ(policy.decide(run, "e", turn).verdict, Verdict::kAsk);  // a side effect
}

TEST(ToolPolicy, WebFetchAsksForHostsNotAllowed) {
  config::AgentConfig agent;
  auto rules = egress::parse_rules({"*.example.org"});
  ASSERT_TRUE(rules.has_value());
  ToolPolicy policy(agent, *rules);
  TurnState turn;
  Action fetch;
  fetch.tool = "web_fetch";
  fetch.host = "docs.example.org";
  fetch.port = 443;
  EXPECT_EQ(policy.decide(fetch, "1", turn).verdict, Verdict::kAllow);
  fetch.host = "evil.test";
  EXPECT_EQ(policy.decide(fetch, "2", turn).verdict, Verdict::kAsk);
}

TEST(ToolPolicy, BudgetAndLoopsStopTheTurn) {
  config::AgentConfig agent;
  agent.max_tool_calls_per_turn = 4;
  ToolPolicy policy(agent, {});
  TurnState turn;
  EXPECT_EQ(policy.decide(exec_of({"ls"}), "same", turn).verdict, Verdict::kAllow);
  EXPECT_EQ(policy.decide(exec_of({"ls"}), "same", turn).verdict, Verdict::kAllow);
  Decision loop = policy.decide(exec_of({"ls"}), "same", turn);
  EXPECT_EQ(loop.verdict, Verdict::kStopTurn);
  EXPECT_NE(loop.reason.find("loop"), std::string::npos);
  EXPECT_EQ(policy.decide(exec_of({"ls"}), "other", turn).verdict, Verdict::kAllow);
  Decision budget = policy.decide(exec_of({"ls"}), "third", turn);
  EXPECT_EQ(budget.verdict, Verdict::kStopTurn);
  EXPECT_NE(budget.reason.find("max_tool_calls_per_turn"), std::string::npos);
}

}  // namespace
}  // namespace chitin::policy
