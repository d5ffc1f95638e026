#include "tools/catalog.h"

#include <gtest/gtest.h>

namespace chitin::tools {
namespace {

using nlohmann::json;

TEST(ToolCatalog, EveryToolIsDeclaredWithAnObjectSchema) {
  std::vector<std::string> names(std::begin(config::kToolNames), std::end(config::kToolNames));
  const auto specs = tool_specs(names);
  ASSERT_EQ(specs.size(), names.size());
  for (const auto& spec : specs) {
    const json schema = json::parse(spec.parameters);
    EXPECT_EQ(schema["type"], "object") << spec.name;
    EXPECT_FALSE(schema["required"].empty()) << spec.name;
    EXPECT_FALSE(spec.description.empty());
  }
  EXPECT_TRUE(tool_specs({"nope"}).empty());
}

TEST(ToolCatalog, ArgumentsBecomeCanonicalActions) {
  auto exec = read_action("exec", json{{"argv", {"ls", "-la"}}});
  ASSERT_TRUE(exec.has_value()) << exec.error().describe();
  EXPECT_EQ(exec->argv, (std::vector<std::string>{"ls", "-la"}));
  EXPECT_EQ(exec->cwd, "/workspace");
  EXPECT_TRUE(exec->fingerprint.starts_with("blake2b:"));
  auto fetch = read_action("web_fetch", json{{"url", "https://Docs.Example.org:8443/a?b"}});
  ASSERT_TRUE(fetch.has_value());
  EXPECT_EQ(fetch->host, "docs.example.org");
  EXPECT_EQ(fetch->port, 8443);
  auto plain = read_action("web_fetch", json{{"url", "http://[::1]/x"}});
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->host, "::1");
  EXPECT_EQ(plain->port, 80);
  auto write = read_action("write", json{{"path", "a.md"}, {"content", "x"}});
  ASSERT_TRUE(write.has_value());
  EXPECT_EQ(write->path, "a.md");
  auto skill_read = read_action("skill_read", json{{"skill", "weather"}});
  ASSERT_TRUE(skill_read.has_value());
  EXPECT_EQ(skill_read->skill, "weather");
  EXPECT_EQ(skill_read->path, "SKILL.md");
  auto skill_exec =
      read_action("skill_exec", json{{"skill", "weather"}, {"argv", {"/skill/run.sh", "Paris"}}});
  ASSERT_TRUE(skill_exec.has_value());
  EXPECT_EQ(skill_exec->argv, (std::vector<std::string>{"/skill/run.sh", "Paris"}));
  EXPECT_EQ(skill_exec->to_json()["skill"], "weather");
}

TEST(ToolCatalog, BadArgumentsSayWhatIsWrong) {
  struct Case {
    const char* tool;
    json arguments;
    const char* says;
  };
  const Case cases[] = {
      {"exec", json{{"argv", "ls -la"}}, "non-empty array"},
      {"exec", json{{"argv", json::array()}}, "non-empty array"},
      {"exec", json{{"argv", {1, 2}}}, "must be a string"},
      {"exec", json{{"argv", {""}}}, "empty"},
      {"exec", json{{"argv", {"ls"}}, {"shell", true}}, "unknown argument 'shell'"},
      {"skill_exec", json{{"argv", {"ls"}}}, "'skill' (a string) is required"},
      {"skill_exec", json{{"skill", "x"}}, "skill_exec: 'argv' must be a non-empty array"},
      {"skill_read", json{{"skill", std::string(65, 'a')}}, "limited to 64 bytes"},
      {"read", json::object(), "'path' (a string) is required"},
      {"read", json{{"path", 5}}, "'path' (a string) is required"},
      {"write", json{{"path", "a"}}, "'content'"},
      {"web_fetch", json{{"url", "file:///etc/passwd"}}, "only http"},
      {"web_fetch", json{{"url", "https://user:pw@host/"}}, "passwords"},
      {"web_fetch", json{{"url", "https://host:99999/"}}, "port"},
      {"web_fetch", json{{"url", "https://host:/"}}, "port"},
      {"web_fetch", json{{"url", "https:///x"}}, "no host"},
      {"web_fetch", json{{"url", "http://[::1/x"}}, "no ']'"},
      {"memory_search", json{{"query", std::string(2000, 'q')}}, "limited to"},
      {"teleport", json::object(), "no tool named"},
      {"read", json::array(), "JSON object"},
  };
  for (const Case& c : cases) {
    auto action = read_action(c.tool, c.arguments);
    ASSERT_FALSE(action.has_value()) << c.tool << " " << c.arguments.dump();
    EXPECT_NE(action.error().message.find(c.says), std::string::npos) << action.error().message;
  }
  std::vector<std::string> many(kMaxArgvItems + 1, "x");
  EXPECT_FALSE(read_action("exec", json{{"argv", many}}).has_value());
}

}  // namespace
}  // namespace chitin::tools
