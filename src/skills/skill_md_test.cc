#include "skills/skill_md.h"

#include <gtest/gtest.h>

namespace chitin::skills {
namespace {

Result<SkillDocument> parse(const std::string& text) { return parse_skill_md(text, "SKILL.md"); }

std::string error_of(const std::string& text) {
  auto doc = parse(text);
  EXPECT_FALSE(doc) << "parsed although it should not have:\n" << text;
  return doc ? std::string() : doc.error().message;
}

TEST(SkillMd, ParsesOpenClawFrontmatterAndPermissions) {
  const auto doc = parse(R"(---
name: weather
description: Fetch the weather.
version: 1.2.0
homepage: https://example.org/weather
user-invocable: false
disable-model-invocation: true
license: MIT
metadata:
  openclaw:
    emoji: "x"
    requires: {bins: [curl, jq], anyBins: [python3, python], env: [WEATHER_KEY]}
    primaryEnv: WEATHER_KEY
    os: [linux, darwin]
    install:
      - {id: brew, kind: brew, formula: jq, label: Install jq}
    permissions:
      filesystem:
        read: ["{skill}", "{workspace}/data"]
        write: ["{workspace}/out"]
      network:
        hosts: ["api.open-meteo.com:443", "*.example.org"]
      exec: [curl, jq]
      secrets: [WEATHER_KEY]
      limits: {timeout_s: 60, memory_mb: 256}
---
# Weather
Body text.
)");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->name, "weather");
  EXPECT_EQ(doc->version, "1.2.0");
  EXPECT_FALSE(doc->user_invocable);
  EXPECT_TRUE(doc->disable_model_invocation);
  EXPECT_EQ(doc->metadata_key, "openclaw");
  EXPECT_EQ(doc->requirements.bins, (std::vector<std::string>{"curl", "jq"}));
  EXPECT_EQ(doc->requirements.any_bins.size(), 2U);
  EXPECT_EQ(doc->primary_env, "WEATHER_KEY");
  ASSERT_EQ(doc->install.size(), 1U);
  EXPECT_EQ(doc->install[0].target, "jq");
  EXPECT_TRUE(doc->permissions.declared);
  EXPECT_EQ(doc->permissions.fs_write, (std::vector<std::string>{"{workspace}/out"}));
  EXPECT_EQ(doc->permissions.hosts.size(), 2U);
  EXPECT_EQ(doc->permissions.timeout_s, 60U);
  EXPECT_EQ(doc->permissions.memory_mb, 256U);
  EXPECT_EQ(doc->body, "# Weather\nBody text.\n");
  EXPECT_EQ(doc->body_line, 27U);
}

TEST(SkillMd, ReadsLegacyClawdbotMetadataAndJsonStrings) {
  const auto legacy = parse(
      "---\nname: gh\ndescription: GitHub\nmetadata: {\"clawdbot\":{\"requires\":{\"bins\":"
      "[\"gh\"]}}}\n---\nbody\n");
  ASSERT_TRUE(legacy) << legacy.error().message;
  EXPECT_EQ(legacy->metadata_key, "clawdbot");
  EXPECT_EQ(legacy->requirements.bins, std::vector<std::string>{"gh"});
  const auto as_string = parse(
      "---\nname: gh\ndescription: GitHub\nmetadata: '{\"openclaw\":{\"permissions\":{\"exec\":"
      "[\"gh\"]}}}'\n---\n");
  ASSERT_TRUE(as_string) << as_string.error().message;
  EXPECT_EQ(as_string->permissions.exec, std::vector<std::string>{"gh"});
}

TEST(SkillMd, NoPermissionsBlockMeansNone) {
  const auto doc = parse("---\nname: a\ndescription: b\n---\n");
  ASSERT_TRUE(doc);
  EXPECT_FALSE(doc->permissions.declared);
  EXPECT_TRUE(doc->permissions.exec.empty());
}

TEST(SkillMd, CrlfAndBomAreAccepted) {
  const auto doc = parse("\xEF\xBB\xBF---\r\nname: a\r\ndescription: b\r\n---\r\nbody\r\n");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->body, "body\n");
}

TEST(SkillMd, RejectsUnknownPermissionKeyWithLine) {
  const std::string message = error_of(
      "---\nname: a\ndescription: b\nmetadata:\n  openclaw:\n    permissions:\n      exec: [ls]\n"
      "      network:\n        hosts: [a.com]\n        egress_all: true\n---\n");
  EXPECT_NE(message.find("SKILL.md:10:"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown permission key"), std::string::npos) << message;
}

TEST(SkillMd, RejectsPathsOutsideTheAllowedRoots) {
  const std::string message = error_of(
      "---\nname: a\ndescription: b\nmetadata:\n  openclaw:\n    permissions:\n      filesystem:\n"
      "        read: [\"{workspace}\", \"/home/user/.ssh\"]\n---\n");
  EXPECT_NE(message.find("SKILL.md:8:"), std::string::npos) << message;
  EXPECT_NE(message.find("outside the allowed roots"), std::string::npos) << message;
  EXPECT_NE(error_of("---\nname: a\ndescription: b\nmetadata:\n  openclaw:\n    permissions:\n"
                     "      filesystem:\n        write: [\"{workspace}/../x\"]\n---\n")
                .find("'..'"),
            std::string::npos);
}

TEST(SkillMd, RejectsBadTypesAndValues) {
  const std::string prefix =
      "---\nname: a\ndescription: b\nmetadata:\n  openclaw:\n    permissions:\n";
  EXPECT_NE(error_of(prefix + "      exec: curl\n---\n").find("must be a list"), std::string::npos);
  EXPECT_NE(error_of(prefix + "      exec: [/usr/bin/curl]\n---\n").find("not a binary name"),
            std::string::npos);
  EXPECT_NE(error_of(prefix + "      network: {hosts: [\"*\"]}\n---\n").find("host"),
            std::string::npos);
  EXPECT_NE(error_of(prefix + "      network: {hosts: [\"*.com\"]}\n---\n").find("too broad"),
            std::string::npos);
  EXPECT_NE(error_of(prefix + "      limits: {timeout_s: 99999}\n---\n").find("1..3600"),
            std::string::npos);
  EXPECT_NE(error_of(prefix + "      limits: {timeout_s: -1}\n---\n").find("whole number"),
            std::string::npos);
  EXPECT_NE(error_of(prefix + "      secrets: [\"a b\"]\n---\n").find("secret name"),
            std::string::npos);
  EXPECT_NE(
      error_of("---\nname: a\ndescription: b\nuser-invocable: maybe\n---\n").find("true or false"),
      std::string::npos);
}

TEST(SkillMd, RejectsMalformedAndMissingFrontmatter) {
  EXPECT_NE(error_of("# no frontmatter\n").find("must start with a '---'"), std::string::npos);
  EXPECT_NE(error_of("---\nname: a\ndescription: b\n").find("not closed"), std::string::npos);
  EXPECT_NE(error_of("---\nname: [a\ndescription: b\n---\n").find("malformed YAML"),
            std::string::npos);
  EXPECT_NE(error_of("---\ndescription: b\n---\n").find("'name' is required"), std::string::npos);
  EXPECT_NE(error_of("---\nname: a\n---\n").find("'description' is required"), std::string::npos);
  EXPECT_NE(error_of("---\nname: Bad_Name\ndescription: b\n---\n").find("not a skill name"),
            std::string::npos);
  EXPECT_NE(error_of("---\nname: a\nname: b\ndescription: c\n---\n").find("duplicate key"),
            std::string::npos);
  EXPECT_NE(error_of("---\n- a\n- b\n---\n").find("must be a YAML mapping"), std::string::npos);
}

TEST(SkillMd, RejectsBinaryHugeAndDeepInput) {
  EXPECT_NE(error_of(std::string("---\nname: a\0b\ndescription: c\n---\n", 33)).find("not UTF-8"),
            std::string::npos);
  EXPECT_NE(error_of("---\nname: a\ndescription: \xff\xfe\n---\n").find("not UTF-8"),
            std::string::npos);
  EXPECT_NE(error_of("---\nname: a\ndescription: b\n---\n" + std::string(600 * 1024, 'x'))
                .find("larger than"),
            std::string::npos);
  EXPECT_NE(error_of("---\nname: a\ndescription: b\nx: " + std::string(10000, '[') + "\n---\n")
                .find("nested deeper"),
            std::string::npos);
  std::string deep = "---\nname: a\ndescription: b\nx:\n";
  for (int i = 1; i < 40; ++i) {
    deep += std::string(static_cast<std::size_t>(i) * 2, ' ') + "k:\n";
  }
  EXPECT_NE(error_of(deep + "---\n").find("nested deeper"), std::string::npos);
  EXPECT_NE(error_of("---\nname: a\ndescription: b\nx: " + std::string(70000, 'y') + "\n---\n")
                .find("frontmatter larger"),
            std::string::npos);
}

}  // namespace
}  // namespace chitin::skills
