#include "agent/workspace_context.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/temp_dir.h"

namespace chitin::agent {
namespace {

using chitin::testing::TempDir;
using chitin::testing::write_text;

class WorkspaceContextTest : public ::testing::Test {
 protected:
  std::string root() const { return dir_.file("ws"); }
  tools::Workspace workspace() {
    std::filesystem::create_directories(root());
    return std::move(*tools::Workspace::open(root()));
  }
  TempDir dir_;
};

TEST_F(WorkspaceContextTest, LoadsPersonaEverywhereAndMemoryOnlyInTheMainSession) {
  std::filesystem::create_directories(root());
  write_text(root() + "/AGENTS.md", "Be brief.\n");
  write_text(root() + "/SOUL.md", "Calm.\n");
  write_text(root() + "/MEMORY.md", "- Sam likes tea.\n");
  write_text(root() + "/notes.md", "not injected\n");
  const tools::Workspace ws = workspace();
  auto main = load_workspace_context(ws, true);
  ASSERT_TRUE(main.has_value());
  ASSERT_EQ(main->files.size(), 3U);
  EXPECT_EQ(main->files[0].name, "AGENTS.md");
  EXPECT_EQ(main->files[1].name, "SOUL.md");
  EXPECT_EQ(main->files[2].name, "MEMORY.md");
  EXPECT_TRUE(main->files[2].agent_written);
  EXPECT_TRUE(main->notes.empty());
  const std::string text = main->render();
  EXPECT_NE(text.find("## AGENTS.md\n\nBe brief.\n"), std::string::npos) << text;
  EXPECT_NE(text.find("## MEMORY.md (written by the agent"), std::string::npos);
  EXPECT_EQ(text.find("not injected"), std::string::npos);
  auto group = load_workspace_context(ws, false);
  ASSERT_TRUE(group.has_value());
  EXPECT_EQ(group->files.size(), 2U);
  EXPECT_EQ(group->render().find("Sam likes tea"), std::string::npos);
}

TEST_F(WorkspaceContextTest, BudgetsCutAtUtf8BoundariesAndSaySo) {
  std::filesystem::create_directories(root());
  std::string agents;
  while (agents.size() < 100) {
    agents += "界";  // three bytes each
  }
  write_text(root() + "/AGENTS.md", agents);
  write_text(root() + "/USER.md", std::string(50, 'u'));
  write_text(root() + "/TOOLS.md", std::string(50, 't'));
  const tools::Workspace ws = workspace();
  auto context = load_workspace_context(ws, true, {.per_file = 32, .user_file = 10, .total = 50});
  ASSERT_TRUE(context.has_value());
  ASSERT_EQ(context->files.size(), 3U);
  EXPECT_EQ(context->files[0].content.size(), 30U);  // 32 would split a character
  EXPECT_TRUE(context->files[0].truncated);
  EXPECT_EQ(context->files[1].content.size(), 10U);  // USER.md's own cap
  EXPECT_EQ(context->files[2].content.size(), 10U);  // what the total leaves
  EXPECT_EQ(context->bytes(), 50U);
  EXPECT_NE(context->render().find("[AGENTS.md continues: 30 of 102 bytes shown]"),
            std::string::npos)
      << context->render();
}

TEST_F(WorkspaceContextTest, UnreadableFilesBecomeNotesNotFailures) {
  std::filesystem::create_directories(root() + "/SOUL.md");  // a directory
  write_text(dir_.file("outside.md"), "outside");
  std::filesystem::create_symlink(dir_.file("outside.md"), root() + "/AGENTS.md");
  const tools::Workspace ws = workspace();
  auto context = load_workspace_context(ws, true);
  ASSERT_TRUE(context.has_value());
  EXPECT_TRUE(context->files.empty());
  ASSERT_EQ(context->notes.size(), 2U);
  EXPECT_NE(context->notes[0].find("AGENTS.md"), std::string::npos);
  EXPECT_NE(context->notes[1].find("SOUL.md: 'SOUL.md' is a directory"), std::string::npos)
      << context->notes[1];
}

}  // namespace
}  // namespace chitin::agent
