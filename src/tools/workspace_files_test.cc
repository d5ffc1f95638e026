#include "tools/workspace_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "support/temp_dir.h"

namespace chitin::tools {
namespace {

using chitin::testing::read_text;
using chitin::testing::TempDir;
using chitin::testing::write_text;

class WorkspaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(root());
    auto opened = Workspace::open(root(), limits_);
    ASSERT_TRUE(opened.has_value()) << opened.error().describe();
    workspace_.emplace(std::move(*opened));
  }
  std::string root() const { return dir_.file("ws"); }
  Workspace& ws() { return *workspace_; }

  TempDir dir_;
  WorkspaceLimits limits_{.max_read_bytes = 64, .max_write_bytes = 1024, .max_list_entries = 3};
  std::optional<Workspace> workspace_;
};

TEST_F(WorkspaceTest, ReadsWritesEditsAndLists) {
  ASSERT_EQ(ws().write("notes/today.md", "buy milk\n").value_or(0), 9U);
  EXPECT_EQ(read_text(root() + "/notes/today.md"), "buy milk\n");
  EXPECT_EQ((std::filesystem::status(root() + "/notes/today.md").permissions() &
             std::filesystem::perms::all),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto read = ws().read("notes/today.md");
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->content, "buy milk\n");
  EXPECT_FALSE(read->truncated);
  ASSERT_TRUE(ws().edit("notes/today.md", "milk", "oat milk").has_value());
  EXPECT_EQ(read_text(root() + "/notes/today.md"), "buy oat milk\n");
  // Absolute paths inside the workspace are the same files.
  EXPECT_EQ(ws().read(root() + "/notes/today.md")->content, "buy oat milk\n");
  auto list = ws().list(".");
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->entries.size(), 1U);
  EXPECT_EQ(list->entries[0].name, "notes");
  EXPECT_EQ(list->entries[0].kind, 'd');
  // No temporary files are left behind.
  EXPECT_EQ(ws().list("notes")->entries.size(), 1U);
}

TEST_F(WorkspaceTest, NoPathLeadsOut) {
  write_text(dir_.file("secret.txt"), "outside");
  for (const std::string& path :
       std::vector<std::string>{"../secret.txt", "a/../../secret.txt", "/etc/passwd",
                                dir_.file("secret.txt"), std::string("x\0y", 3)}) {
    EXPECT_FALSE(ws().read(path).has_value()) << path;
    EXPECT_FALSE(ws().write(path, "x").has_value()) << path;
  }
  EXPECT_EQ(read_text(dir_.file("secret.txt")), "outside");
  EXPECT_FALSE(ws().read(std::string(2000, 'a')).has_value());
}

TEST_F(WorkspaceTest, SymlinksAreNeverFollowed) {
  write_text(dir_.file("target.txt"), "outside");
  std::filesystem::create_directories(dir_.file("outside-dir"));
  std::filesystem::create_symlink(dir_.file("target.txt"), root() + "/link.txt");
  std::filesystem::create_symlink(dir_.file("outside-dir"), root() + "/linkdir");
  std::filesystem::create_symlink("/proc/self/root/etc/passwd", root() + "/magic");
  EXPECT_FALSE(ws().read("link.txt").has_value());
  EXPECT_FALSE(ws().read("magic").has_value());
  EXPECT_FALSE(ws().write("linkdir/x.txt", "x").has_value());
  EXPECT_FALSE(std::filesystem::exists(dir_.file("outside-dir/x.txt")));
  EXPECT_FALSE(ws().list("linkdir").has_value());
  // Writing to the link's own name replaces the link, never the file it points to.
  ASSERT_TRUE(ws().write("link.txt", "inside").has_value());
  EXPECT_EQ(read_text(dir_.file("target.txt")), "outside");
  EXPECT_FALSE(std::filesystem::is_symlink(root() + "/link.txt"));
  EXPECT_EQ(ws().list(".")->entries.size(), 3U);  // link.txt, linkdir, magic
}

TEST_F(WorkspaceTest, PersonaFilesAreReadOnlyToTheAgent) {
  write_text(root() + "/SOUL.md", "calm\n");
  EXPECT_EQ(ws().read("SOUL.md")->content, "calm\n");
  for (const std::string path : {"SOUL.md", "AGENTS.md", "agents.md", "./USER.md"}) {
    auto written = ws().write(path, "obey me");
    ASSERT_FALSE(written.has_value()) << path;
    EXPECT_NE(written.error().message.find("persona file"), std::string::npos);
  }
  EXPECT_FALSE(ws().edit("SOUL.md", "calm", "angry").has_value());
  EXPECT_EQ(read_text(root() + "/SOUL.md"), "calm\n");
  EXPECT_TRUE(ws().write("MEMORY.md", "- likes tea\n").has_value());
  EXPECT_TRUE(ws().write("memory/2026-12-07.md", "- met Sam\n").has_value());
}

TEST_F(WorkspaceTest, BoundsAndBadInputsSayWhatIsWrong) {
  write_text(root() + "/big.txt", std::string(100, 'x'));
  auto read = ws().read("big.txt");
  ASSERT_TRUE(read.has_value());
  EXPECT_TRUE(read->truncated);
  EXPECT_EQ(read->content.size(), 64U);
  EXPECT_EQ(read->size, 100U);
  EXPECT_FALSE(ws().write("huge.txt", std::string(2000, 'x')).has_value());
  EXPECT_FALSE(ws().edit("big.txt", "x", "y").has_value());       // ambiguous
  EXPECT_FALSE(ws().edit("big.txt", "absent", "y").has_value());  // missing
  EXPECT_FALSE(ws().edit("big.txt", "", "y").has_value());        // nothing to find
  EXPECT_FALSE(ws().write(".", "x").has_value());
  EXPECT_FALSE(ws().read(".").has_value());        // a directory
  EXPECT_FALSE(ws().list("big.txt").has_value());  // a file
  EXPECT_FALSE(ws().read("missing.txt").has_value());
  ASSERT_EQ(::mkfifo((root() + "/fifo").c_str(), 0600), 0);
  EXPECT_FALSE(ws().read("fifo").has_value());  // refused, and never blocks
  ASSERT_EQ(::link((root() + "/big.txt").c_str(), dir_.file("hard.txt").c_str()), 0);
  auto linked = ws().read("big.txt");
  ASSERT_FALSE(linked.has_value());
  EXPECT_NE(linked.error().message.find("hard links"), std::string::npos);
  for (const char* name : {"a", "b", "c", "d"}) {
    ASSERT_TRUE(ws().write(std::string("many/") + name, "x").has_value());
  }
  auto list = ws().list("many");
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(list->entries.size(), 3U);
  EXPECT_TRUE(list->truncated);
}

}  // namespace
}  // namespace chitin::tools
