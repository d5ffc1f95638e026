#include "sandbox/policy.h"

#include <gtest/gtest.h>

namespace chitin::sandbox {
namespace {

SandboxPolicy valid() {
  SandboxPolicy p = default_policy();
  p.argv = {"/bin/true"};
  p.env = {"PATH=/usr/bin:/bin", "HOME=/home/sandbox"};
  p.workspace = "/tmp/ws";
  return p;
}

TEST(PolicyTest, RoundTripsThroughJson) {
  SandboxPolicy p = valid();
  p.read_only = {"/opt/data"};
  p.timeout_ms = 5000;
  auto again = policy_from_json(policy_to_json(p).dump());
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->argv, p.argv);
  EXPECT_EQ(again->read_only, p.read_only);
  EXPECT_EQ(again->protected_paths, p.protected_paths);
  EXPECT_EQ(again->timeout_ms, 5000u);
  EXPECT_EQ(again->workspace_access, WorkspaceAccess::kReadWrite);

  p.workspace_access = WorkspaceAccess::kNone;
  p.workspace_read = {"data"};
  p.workspace_write = {"out/reports"};
  p.skill_dir = "/state/skills/weather";
  p.executables = {"/usr/bin/curl"};
  again = policy_from_json(policy_to_json(p).dump());
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->workspace_access, WorkspaceAccess::kNone);
  EXPECT_EQ(again->workspace_read, p.workspace_read);
  EXPECT_EQ(again->workspace_write, p.workspace_write);
  EXPECT_EQ(again->skill_dir, p.skill_dir);
  EXPECT_EQ(again->executables, p.executables);
}

TEST(PolicyTest, RejectsBadInputNamingTheField) {
  const auto error_of = [](const SandboxPolicy& p) {
    auto r = validate_policy(p);
    EXPECT_FALSE(r.has_value());
    return r ? std::string() : r.error().message;
  };
  SandboxPolicy p = valid();
  p.argv.clear();
  EXPECT_NE(error_of(p).find("argv"), std::string::npos);
  p = valid();
  p.workspace = "relative";
  EXPECT_NE(error_of(p).find("must be an absolute path"), std::string::npos);
  p = valid();
  p.read_write = {"/tmp/../etc"};
  EXPECT_NE(error_of(p).find("'..'"), std::string::npos);
  p = valid();
  p.protected_paths = {"/abs"};
  EXPECT_NE(error_of(p).find("relative to the workspace"), std::string::npos);
  p = valid();
  p.env = {"BAD NAME=1"};
  EXPECT_NE(error_of(p).find("invalid name"), std::string::npos);
  p = valid();
  p.env = {"NOEQUALS"};
  EXPECT_NE(error_of(p).find("NAME=VALUE"), std::string::npos);
  p = valid();
  p.memory_mb = 1;
  EXPECT_NE(error_of(p).find("memory_mb: 1 is out of range"), std::string::npos);
  p = valid();
  p.workspace_write = {"../escape"};
  EXPECT_NE(error_of(p).find("workspace_write"), std::string::npos);
  p = valid();
  p.workspace_read = {"/abs"};
  EXPECT_NE(error_of(p).find("relative to the workspace"), std::string::npos);
  p = valid();
  p.executables = {"curl"};
  EXPECT_NE(error_of(p).find("executables"), std::string::npos);
  p = valid();
  p.skill_dir = "skills/x";
  EXPECT_NE(error_of(p).find("skill_dir"), std::string::npos);
}

TEST(PolicyTest, JsonParserIsStrictAndBounded) {
  EXPECT_FALSE(policy_from_json("not json").has_value());
  EXPECT_FALSE(policy_from_json("[]").has_value());
  auto unknown = policy_from_json(R"({"argv":["/bin/true"],"workspace":"/w","surprise":1})");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("unknown key 'surprise'"), std::string::npos);
  EXPECT_FALSE(policy_from_json(R"({"argv":"/bin/true","workspace":"/w"})").has_value());
  EXPECT_FALSE(policy_from_json(R"({"argv":["/bin/true"],"workspace":"/w","pids_max":-1})"));
  EXPECT_FALSE(policy_from_json(std::string(kMaxPolicyBytes + 1, ' ')).has_value());
  auto access =
      policy_from_json(R"({"argv":["/bin/true"],"workspace":"/w","workspace_access":"all"})");
  ASSERT_FALSE(access.has_value());
  EXPECT_NE(access.error().message.find("rw, ro or none"), std::string::npos);
}

}  // namespace
}  // namespace chitin::sandbox
