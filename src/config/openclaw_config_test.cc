#include "config/openclaw_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "support/temp_dir.h"

namespace chitin::config {
namespace {

using chitin::testing::TempDir;
using chitin::testing::write_text;

std::string openclaw_error_of(const std::string& path) {
  auto config = read_openclaw_config(path);
  EXPECT_FALSE(config.has_value());
  return config ? std::string() : config.error().describe();
}

TEST(OpenClawConfig, ResolvesIncludesLikeOpenClaw) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("conf.d"));
  write_text(dir.file("openclaw.json"), R"({
    // the including object's own keys win over what it includes
    $include: ["./conf.d/gateway.json5", "conf.d/channels.json5"],
    gateway: { port: 19000 },
    tools: { deny: ["exec"] },
  })");
  write_text(dir.file("conf.d/gateway.json5"),
             R"({ gateway: { port: 18789, bind: 'lan', auth: { $include: "auth.json5" } },
                  tools: { deny: ["browser"] } })");
  write_text(dir.file("conf.d/auth.json5"), R"({ mode: "token", token: "t" })");
  write_text(dir.file("conf.d/channels.json5"),
             R"({ channels: { telegram: { dmPolicy: "open" } } })");
  auto config = read_openclaw_config(dir.file("openclaw.json"));
  ASSERT_TRUE(config.has_value()) << config.error().describe();
  const auto& s = config->settings;
  EXPECT_EQ(s["gateway"]["port"], 19000);
  EXPECT_EQ(s["gateway"]["bind"], "lan");
  EXPECT_EQ(s["gateway"]["auth"]["mode"], "token");
  EXPECT_EQ(s["channels"]["telegram"]["dmPolicy"], "open");
  EXPECT_EQ(s["tools"]["deny"], nlohmann::json({"browser", "exec"}));  // arrays concatenate
  EXPECT_FALSE(s.contains("$include"));
  ASSERT_EQ(config->includes.size(), 3U);
  EXPECT_EQ(config->includes[0], dir.file("./conf.d/gateway.json5"));
  EXPECT_EQ(config->includes[1], dir.file("conf.d/auth.json5"));
  EXPECT_EQ(config->includes[2], dir.file("conf.d/channels.json5"));
}

TEST(OpenClawConfig, IncludesAnAbsolutePathAndAWholeValue) {
  TempDir dir;
  write_text(dir.file("list.json5"), R"(["a", "b"])");  // inside the config's directory
  write_text(dir.file("openclaw.json"),
             "{ tools: { allow: { $include: \"" + dir.file("list.json5") + "\" } } }");
  auto config = read_openclaw_config(dir.file("openclaw.json"));
  ASSERT_TRUE(config.has_value()) << config.error().describe();
  EXPECT_EQ(config->settings["tools"]["allow"], nlohmann::json({"a", "b"}));
}

TEST(OpenClawConfig, SkipsIncludesOutsideTheConfigDirectoryLikeOpenClaw) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("conf"));
  std::filesystem::create_directories(dir.file("elsewhere"));
  write_text(dir.file("elsewhere/auth.json5"), R"({ gateway: { auth: { token: "t" } } })");
  write_text(dir.file("conf/openclaw.json"),
             R"({ $include: ["../elsewhere/auth.json5"], gateway: { bind: "lan" } })");
  auto config = read_openclaw_config(dir.file("conf/openclaw.json"));
  ASSERT_TRUE(config.has_value()) << config.error().describe();
  EXPECT_FALSE(config->settings["gateway"].contains("auth"));  // OpenClaw would not load it
  ASSERT_EQ(config->skipped.size(), 1U);
  EXPECT_TRUE(config->includes.empty());
  // A symlink inside the directory that points out is judged by where it points.
  std::filesystem::create_symlink(dir.file("elsewhere/auth.json5"), dir.file("conf/link.json5"));
  write_text(dir.file("conf/openclaw.json"), R"({ $include: "link.json5" })");
  config = read_openclaw_config(dir.file("conf/openclaw.json"));
  ASSERT_TRUE(config.has_value());
  EXPECT_EQ(config->skipped.size(), 1U);
  // A missing file outside is skipped too, however the path is spelled.
  write_text(dir.file("conf/openclaw.json"), R"({ $include: "sub/../../nowhere.json5" })");
  config = read_openclaw_config(dir.file("conf/openclaw.json"));
  ASSERT_TRUE(config.has_value()) << config.error().describe();
  EXPECT_EQ(config->skipped.size(), 1U);
  write_text(dir.file("conf/openclaw.json"), R"({ $include: "link.json5" })");
  // Extra roots (OPENCLAW_INCLUDE_ROOTS) let it in.
  config = read_openclaw_config(dir.file("conf/openclaw.json"), {dir.file("elsewhere")});
  ASSERT_TRUE(config.has_value());
  EXPECT_EQ(config->settings["gateway"]["auth"]["token"], "t");
}

TEST(OpenClawConfig, RefusesCyclesDepthAndBadDirectives) {
  TempDir dir;
  write_text(dir.file("a.json5"), R"({ $include: "b.json5" })");
  write_text(dir.file("b.json5"), R"({ $include: "./a.json5" })");
  write_text(dir.file("openclaw.json"), R"({ $include: "a.json5" })");
  EXPECT_NE(openclaw_error_of(dir.file("openclaw.json")).find("circular $include"),
            std::string::npos);

  for (int i = 0; i < 12; ++i) {
    write_text(dir.file("d" + std::to_string(i) + ".json5"),
               "{ $include: \"d" + std::to_string(i + 1) + ".json5\" }");
  }
  write_text(dir.file("d12.json5"), "{}");
  EXPECT_NE(openclaw_error_of(dir.file("d0.json5")).find("deeper than 10"), std::string::npos);

  write_text(dir.file("missing.json5"), R"({ $include: "nowhere.json5" })");
  EXPECT_NE(openclaw_error_of(dir.file("missing.json5")).find("$include of"), std::string::npos);
  write_text(dir.file("number.json5"), R"({ $include: 3 })");
  EXPECT_NE(openclaw_error_of(dir.file("number.json5")).find("a path or a list"),
            std::string::npos);
  write_text(dir.file("empty.json5"), R"({ $include: [""] })");
  EXPECT_NE(openclaw_error_of(dir.file("empty.json5")).find("empty path"), std::string::npos);
  write_text(dir.file("scalar.json5"), "7");
  write_text(dir.file("mixed.json5"), R"({ $include: "scalar.json5", x: 1 })");
  EXPECT_NE(openclaw_error_of(dir.file("mixed.json5")).find("not an object"), std::string::npos);
  EXPECT_NE(openclaw_error_of(dir.file("scalar.json5")).find("must be an object"),
            std::string::npos);
  write_text(dir.file("broken.json5"), "{ a: }");
  EXPECT_NE(openclaw_error_of(dir.file("broken.json5")).find("broken.json5:1:"), std::string::npos);
  EXPECT_FALSE(read_openclaw_config(dir.file("absent.json")).has_value());
}

TEST(OpenClawConfig, CapsWhatRepeatedIncludesCanAddUp) {
  TempDir dir;
  write_text(dir.file("big.json5"), "{ a: [\"" + std::string(1 << 20, 'x') + "\"] }");
  std::string list;
  for (int i = 0; i < 20; ++i) {
    list += list.empty() ? "\"big.json5\"" : ", \"big.json5\"";
  }
  write_text(dir.file("openclaw.json"), "{ $include: [" + list + "] }");
  EXPECT_NE(openclaw_error_of(dir.file("openclaw.json")).find("more than 16 MiB"),
            std::string::npos);
}

TEST(OpenClawConfig, ReadsOnlyRegularFiles) {
  TempDir dir;
  ASSERT_EQ(::mkfifo(dir.file("fifo.json5").c_str(), 0600), 0);
  write_text(dir.file("openclaw.json"), R"({ $include: "fifo.json5" })");
  EXPECT_NE(openclaw_error_of(dir.file("openclaw.json")).find("not a regular file"),
            std::string::npos);
}

TEST(OpenClawConfig, CapsTheNumberOfIncludedFiles) {
  TempDir dir;
  std::string list;
  for (int i = 0; i < 70; ++i) {
    write_text(dir.file("p" + std::to_string(i) + ".json5"), "{}");
    list += (list.empty() ? "\"p" : ", \"p") + std::to_string(i) + ".json5\"";
  }
  write_text(dir.file("openclaw.json"), "{ $include: [" + list + "] }");
  EXPECT_NE(openclaw_error_of(dir.file("openclaw.json")).find("more than 64"), std::string::npos);
}

}  // namespace
}  // namespace chitin::config
