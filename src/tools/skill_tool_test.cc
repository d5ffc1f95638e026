#include "tools/skill_tool.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "config/config.h"
#include "sandbox/runner.h"
#include "support/audit_fixture.h"
#include "support/http_server.h"
#include "support/skill_fixture.h"
#include "support/temp_dir.h"

namespace chitin::tools {
namespace {

using chitin::testing::read_text;
using chitin::testing::TempDir;
using chitin::testing::write_text;

std::string skill_md(const std::string& name, const std::string& permissions,
                     const std::string& extra = "") {
  return "---\nname: " + name + "\ndescription: Test skill " + name + ".\n" + extra +
         "metadata:\n  openclaw:\n    permissions:\n" + permissions + "---\n# " + name +
         "\nRun {baseDir}/scripts/run.sh; outputs go to {workspace}/out.\n";
}

class SkillToolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    paths_.home = dir_.file("home");
    ASSERT_TRUE(config::init_state_dir(paths_));
    auto config = config::load_config(paths_.config_file());
    ASSERT_TRUE(config);
    auto log = audit::open_installation_log(paths_, *config);
    ASSERT_TRUE(log) << log.error().describe();
    log_ = std::move(*log);
    std::filesystem::create_directories(dir_.file("ws"));
    setup_.exec.workspace = dir_.file("ws");
    setup_.exec.limits.timeout_s = 20;
    setup_.exec.helper = CHITIN_SANDBOX_BINARY;
    setup_.exec.audit = log_.get();
    setup_.exec.allow_private_addresses = true;
  }

  AgentSkill install(const std::string& name, const std::string& permissions,
                     const std::string& script, bool sign = true) {
    chitin::testing::TestSkill skill;
    skill.source_dir = dir_.file("src/" + name);
    skill.skill_md = skill_md(name, permissions);
    skill.files = {{"scripts/run.sh", script, 0755}};
    skill.sign = sign;
    auto installed = chitin::testing::install_test_skill(paths_, *log_, skill);
    EXPECT_TRUE(installed) << installed.error().describe();
    auto loaded = load_agent_skills(paths_, log_.get());
    EXPECT_TRUE(loaded);
    const AgentSkill* found = loaded ? find_skill(*loaded, name) : nullptr;
    EXPECT_NE(found, nullptr);
    return found != nullptr ? *found : AgentSkill{};
  }

  TempDir dir_;
  config::StatePaths paths_;
  std::unique_ptr<audit::AuditLog> log_;
  SkillRunSetup setup_;
};

TEST_F(SkillToolTest, TheSandboxPolicyIsExactlyTheManifest) {
  const AgentSkill skill = install("mapper",
                                   "      filesystem:\n"
                                   "        read: [\"{skill}\", \"{workspace}\"]\n"
                                   "        write: [\"{workspace}/out/reports\"]\n"
                                   "      exec: [jq]\n"
                                   "      limits: {timeout_s: 7, memory_mb: 96}\n",
                                   "#!/bin/sh\necho hi\n");
  auto policy = skill_policy(skill, {"/skill/scripts/run.sh"}, setup_);
  ASSERT_TRUE(policy) << policy.error().describe();
  EXPECT_EQ(policy->workspace_access, sandbox::WorkspaceAccess::kReadOnly);
  EXPECT_EQ(policy->workspace_write, std::vector<std::string>{"out/reports"});
  EXPECT_TRUE(std::filesystem::is_directory(dir_.file("ws/out/reports")));  // created
  EXPECT_EQ(policy->skill_dir, paths_.home + "/skills/mapper");
  EXPECT_EQ(policy->timeout_ms, 7000U);
  EXPECT_EQ(policy->memory_mb, 96U);
  EXPECT_TRUE(policy->proxy_socket.empty());
  const auto& run = policy->executables;
  const auto has = [&](std::string_view name) {
    return std::any_of(run.begin(), run.end(), [&](const std::string& path) {
      return path.ends_with("/" + std::string(name));
    });
  };
  EXPECT_TRUE(has("sh"));
  EXPECT_TRUE(has("cat"));
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/perl"));  // so that leaving it out means something
  EXPECT_FALSE(has("perl"));
  EXPECT_FALSE(has("curl"));
}

TEST_F(SkillToolTest, ProgramsTheManifestDoesNotDeclareAreRefusedWithTheReason) {
  const AgentSkill skill = install("narrow", "      exec: [jq]\n", "#!/bin/sh\necho hi\n");
  for (const std::vector<std::string>& argv :
       std::vector<std::vector<std::string>>{{"perl", "-e", "1"}, {"/usr/bin/perl"}, {"./x"}}) {
    auto policy = skill_policy(skill, argv, setup_);
    ASSERT_FALSE(policy) << argv.front();
    EXPECT_NE(policy.error().message.find("permissions.exec (jq)"), std::string::npos)
        << policy.error().message;
  }
  EXPECT_TRUE(skill_policy(skill, {"cat", "/skill/SKILL.md"}, setup_));
  EXPECT_TRUE(skill_policy(skill, {"/skill/scripts/run.sh"}, setup_));
  // Without filesystem entries the workspace is not there at all.
  EXPECT_EQ(skill_policy(skill, {"cat"}, setup_)->workspace_access,
            sandbox::WorkspaceAccess::kNone);
}

TEST_F(SkillToolTest, ARunSeesOnlyItsDeclaredPathsAndPrograms) {
  write_text(dir_.file("ws/private.txt"), "PRIVATE\n");
  std::filesystem::create_directories(dir_.file("ws/data"));
  write_text(dir_.file("ws/data/in.txt"), "input-data\n");
  const AgentSkill skill =
      install("worker",
              "      filesystem:\n"
              "        read: [\"{workspace}/data\"]\n"
              "        write: [\"{workspace}/out\"]\n",
              "#!/bin/sh\n"
              "cat /workspace/data/in.txt > /workspace/out/result.txt\n"
              "cat /workspace/private.txt 2>/dev/null || echo private-hidden\n"
              "echo x > /workspace/data/new.txt 2>/dev/null || echo data-read-only\n"
              "echo \"arg=$1 dir=$CHITIN_SKILL_DIR\"\n");
  auto outcome = run_skill(skill, {"/skill/scripts/run.sh", "A1"}, setup_);
  ASSERT_TRUE(outcome) << outcome.error().describe();
  EXPECT_EQ(outcome->exit_code, 0) << outcome->err;
  EXPECT_EQ(outcome->out, "private-hidden\ndata-read-only\narg=A1 dir=/skill\n");
  EXPECT_EQ(read_text(dir_.file("ws/out/result.txt")), "input-data\n");
  EXPECT_FALSE(std::filesystem::exists(dir_.file("ws/data/new.txt")));
  // The scanner refuses a script that runs an undeclared program; a command the model
  // composes itself meets the sandbox instead: perl is not runnable, cat (baseline) is.
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/perl")) << "the check below needs perl";
  outcome = run_skill(skill,
                      {"sh", "-c",
                       "perl -e 1 2>/dev/null && echo perl-ran || echo perl-refused; "
                       "cat /workspace/data/in.txt"},
                      setup_);
  ASSERT_TRUE(outcome) << outcome.error().describe();
  EXPECT_EQ(outcome->out, "perl-refused\ninput-data\n") << outcome->err;
}

TEST_F(SkillToolTest, APlantedSymlinkAtADeclaredPathIsNotFollowed) {
  std::filesystem::create_directories(dir_.file("host-ssh"));
  write_text(dir_.file("host-ssh/id_rsa"), "KEY");
  ASSERT_EQ(::symlink(dir_.file("host-ssh").c_str(), dir_.file("ws/out").c_str()), 0);
  const AgentSkill skill = install("linked",
                                   "      filesystem:\n"
                                   "        write: [\"{workspace}/out\"]\n",
                                   "#!/bin/sh\ncat /workspace/out/id_rsa\n");
  auto outcome = run_skill(skill, {"/skill/scripts/run.sh"}, setup_);
  // The sandbox refuses to set up the run: declared paths are never bound through a symlink.
  ASSERT_TRUE(outcome) << outcome.error().describe();
  EXPECT_EQ(outcome->exit_code, sandbox::kExitSetupFailed);
  EXPECT_EQ(outcome->out.find("KEY"), std::string::npos);
  EXPECT_NE(outcome->err.find("workspace path 'out' cannot be bound"), std::string::npos)
      << outcome->err;
}

TEST_F(SkillToolTest, NetworkOnlyToTheDeclaredHosts) {
  chitin::testing::LoopbackHttpServer declared("declared-ok");
  chitin::testing::LoopbackHttpServer other("other");
  const AgentSkill skill =
      install("fetcher",
              "      network:\n        hosts: [\"127.0.0.1:" + std::to_string(declared.port()) +
                  "\"]\n"
                  "      exec: [curl]\n",
              "#!/bin/sh\n"
              "curl -s \"http://127.0.0.1:$1/\"; echo\n"
              "curl -s -o /dev/null -w '%{http_code}' \"http://127.0.0.1:$2/\"; echo\n");
  auto outcome = run_skill(
      skill,
      {"/skill/scripts/run.sh", std::to_string(declared.port()), std::to_string(other.port())},
      setup_);
  ASSERT_TRUE(outcome) << outcome.error().describe();
  EXPECT_EQ(outcome->out, "declared-ok\n403\n") << outcome->err;
  EXPECT_TRUE(other.last_request().empty());
}

TEST_F(SkillToolTest, DeclaredSecretsNeedTheStore) {
  const AgentSkill skill = install("keyed", "      secrets: [WEATHER_KEY]\n", "#!/bin/sh\n");
  auto outcome = run_skill(skill, {"/skill/scripts/run.sh"}, setup_);
  ASSERT_FALSE(outcome);
  EXPECT_NE(outcome.error().message.find("declares secrets (WEATHER_KEY...)"), std::string::npos)
      << outcome.error().message;
}

TEST_F(SkillToolTest, SkillFilesAreReadBeneathTheFolderWithPlaceholdersFilledIn) {
  const AgentSkill skill = install("reader", "      exec: []\n", "#!/bin/sh\n");
  auto text = read_skill_file(skill, "SKILL.md");
  ASSERT_TRUE(text) << text.error().describe();
  EXPECT_NE(text->find("Run /skill/scripts/run.sh; outputs go to /workspace/out."),
            std::string::npos)
      << *text;
  EXPECT_TRUE(read_skill_file(skill, "scripts/run.sh"));
  for (const char* bad : {"../../config.toml", "/etc/passwd", "", "scripts", "missing.md"}) {
    EXPECT_FALSE(read_skill_file(skill, bad)) << bad;
  }
  // A symlink inside a (hand-made) skill folder is never followed.
  AgentSkill handmade = skill;
  handmade.dir = dir_.file("handmade");
  std::filesystem::create_directories(handmade.dir);
  ASSERT_EQ(::symlink("/etc/passwd", (handmade.dir + "/SKILL.md").c_str()), 0);
  handmade.folder = std::make_shared<const UniqueFd>(
      ::open(handmade.dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  EXPECT_FALSE(read_skill_file(handmade, "SKILL.md"));
}

TEST_F(SkillToolTest, SkillFilesOverTheBoundAreRefusedWithTheirSize) {
  const AgentSkill skill = install("reader", "      exec: []\n", "#!/bin/sh\n");
  write_text(skill.dir + "/at-bound.md", std::string(kMaxSkillFileBytes, 'a'));
  write_text(skill.dir + "/over-bound.md", std::string(kMaxSkillFileBytes + 1, 'a'));
  auto fits = read_skill_file(skill, "at-bound.md");
  ASSERT_TRUE(fits) << fits.error().describe();
  EXPECT_EQ(fits->size(), kMaxSkillFileBytes);
  auto over = read_skill_file(skill, "over-bound.md");
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kLimitExceeded);
  EXPECT_NE(over.error().message.find("262145"), std::string::npos) << over.error().message;
}

TEST_F(SkillToolTest, AFolderReplacedAfterVerificationIsNeitherReadNorRun) {
  const AgentSkill skill = install("swapped", "      exec: []\n", "#!/bin/sh\necho v1\n");
  // A new version renamed into place after this turn verified the old one.
  const std::string dir = paths_.home + "/skills/swapped";
  std::filesystem::rename(dir, dir_.file("old-version"));
  std::filesystem::create_directories(dir + "/scripts");
  write_text(dir + "/SKILL.md", "---\nname: swapped\ndescription: evil\n---\nevil\n");
  auto policy = skill_policy(skill, {"/skill/scripts/run.sh"}, setup_);
  ASSERT_FALSE(policy);
  EXPECT_NE(policy.error().message.find("changed since this turn verified it"), std::string::npos)
      << policy.error().message;
  // Reads go through the verified folder, wherever it is now.
  auto text = read_skill_file(skill, "SKILL.md");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->find("evil"), std::string::npos);
}

TEST_F(SkillToolTest, TheLoaderOffersVerifiedModelInvocableSkillsAndMarksQuarantine) {
  install("signed-one", "      exec: []\n", "#!/bin/sh\n");
  install("unsigned-one", "      exec: []\n", "#!/bin/sh\n", false);
  chitin::testing::TestSkill hidden;
  hidden.source_dir = dir_.file("src/hidden");
  hidden.skill_md = skill_md("hidden", "      exec: []\n", "disable-model-invocation: true\n");
  ASSERT_TRUE(chitin::testing::install_test_skill(paths_, *log_, hidden));
  auto loaded = load_agent_skills(paths_, log_.get());
  ASSERT_TRUE(loaded);
  ASSERT_EQ(loaded->size(), 2U);
  EXPECT_FALSE(find_skill(*loaded, "signed-one")->quarantined);
  EXPECT_TRUE(find_skill(*loaded, "unsigned-one")->quarantined);
  EXPECT_EQ(find_skill(*loaded, "hidden"), nullptr);
  const std::string prompt = skills_prompt(*loaded);
  EXPECT_NE(prompt.find("- signed-one: Test skill signed-one.\n"), std::string::npos) << prompt;
  EXPECT_NE(prompt.find("- unsigned-one: (quarantined: installed unsigned; description withheld"),
            std::string::npos)
      << prompt;
  EXPECT_EQ(prompt.find("Test skill unsigned-one"), std::string::npos) << prompt;
  EXPECT_TRUE(skills_prompt({}).empty());
  // A skill changed after install no longer loads.
  write_text(paths_.home + "/skills/signed-one/scripts/run.sh", "#!/bin/sh\ncurl evil\n");
  loaded = load_agent_skills(paths_, log_.get());
  ASSERT_TRUE(loaded);
  EXPECT_EQ(find_skill(*loaded, "signed-one"), nullptr);
  EXPECT_NE(find_skill(*loaded, "unsigned-one"), nullptr);
}

}  // namespace
}  // namespace chitin::tools
