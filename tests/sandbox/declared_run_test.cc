// Runs confined to a declaration (a skill's permission manifest): the workspace absent or
// read-only with only declared paths bound in, never through a planted symlink; the skill's
// folder read-only at /skill; execute granted only on the declared programs.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/sandbox_fixture.h"
#include "support/temp_dir.h"
#include "sys/file_ops.h"

namespace chitin::sandbox {
namespace {

using chitin::testing::read_text;
using chitin::testing::write_text;

class DeclaredRunTest : public SandboxTest {
 protected:
  SandboxPolicy declared(std::vector<std::string> args) const {
    SandboxPolicy p = policy({});
    p.argv = {probe_path()};
    p.argv.insert(p.argv.end(), args.begin(), args.end());
    p.workspace_access = WorkspaceAccess::kNone;
    return p;
  }
  std::string answer(const SandboxPolicy& p) const {
    Outcome outcome = run(p);
    EXPECT_EQ(outcome.code, 0) << outcome.err;
    while (!outcome.out.empty() && outcome.out.back() == '\n') {
      outcome.out.pop_back();
    }
    return outcome.out;
  }
};

TEST_P(DeclaredRunTest, OnlyDeclaredWorkspacePathsAreVisible) {
  ASSERT_EQ(::mkdir((workspace() + "/reports").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((workspace() + "/data").c_str(), 0755), 0);
  write_text(workspace() + "/data/in.txt", "input\n");
  write_text(workspace() + "/private.txt", "not declared\n");
  SandboxPolicy p = declared({"read", "/workspace/private.txt"});
  p.workspace_read = {"data"};
  p.workspace_write = {"reports"};
  EXPECT_EQ(answer(p), "ENOENT");
  p.argv[1] = "read";
  p.argv[2] = "/workspace/data/in.txt";
  EXPECT_EQ(answer(p), "OPEN");
  p.argv = {probe_path(), "write", "/workspace/data/new.txt"};
  EXPECT_EQ(answer(p), "EROFS");
  p.argv = {probe_path(), "write", "/workspace/reports/out.txt"};
  EXPECT_EQ(answer(p), "OPEN");
  EXPECT_TRUE(sys::status_of(workspace() + "/reports/out.txt").has_value());
  p.argv = {probe_path(), "write", "/workspace/new.txt"};
  EXPECT_NE(answer(p), "OPEN");
  EXPECT_FALSE(sys::status_of(workspace() + "/new.txt").has_value());
}

TEST_P(DeclaredRunTest, AReadOnlyWorkspaceWithAWritableSubpath) {
  ASSERT_EQ(::mkdir((workspace() + "/out").c_str(), 0755), 0);
  write_text(workspace() + "/notes.txt", "n\n");
  SandboxPolicy p = declared({"read", "/workspace/notes.txt"});
  p.workspace_access = WorkspaceAccess::kReadOnly;
  p.workspace_write = {"out"};
  EXPECT_EQ(answer(p), "OPEN");
  p.argv = {probe_path(), "write", "/workspace/notes.txt"};
  EXPECT_EQ(answer(p), "EROFS");
  p.argv = {probe_path(), "write", "/workspace/out/result.txt"};
  EXPECT_EQ(answer(p), "OPEN");
}

TEST_P(DeclaredRunTest, APlantedSymlinkAtADeclaredPathRefusesTheRun) {
  // The agent's own exec could plant this; the skill must not get the host home through it.
  ASSERT_EQ(::mkdir(dir_.file("home-ssh").c_str(), 0700), 0);
  write_text(dir_.file("home-ssh/id_rsa"), "KEY");
  ASSERT_EQ(::symlink(dir_.file("home-ssh").c_str(), (workspace() + "/reports").c_str()), 0);
  SandboxPolicy p = declared({"read", "/workspace/reports/id_rsa"});
  p.workspace_write = {"reports"};
  Outcome outcome = run(p);
  EXPECT_EQ(outcome.code, kExitSetupFailed);
  EXPECT_NE(outcome.err.find("workspace path 'reports' cannot be bound"), std::string::npos)
      << outcome.err;
  // Also one level down.
  ASSERT_EQ(::mkdir((workspace() + "/a").c_str(), 0755), 0);
  ASSERT_EQ(::symlink(dir_.file("home-ssh").c_str(), (workspace() + "/a/b").c_str()), 0);
  p.workspace_write = {"a/b"};
  outcome = run(p);
  EXPECT_EQ(outcome.code, kExitSetupFailed);
  EXPECT_NE(outcome.err.find("workspace path 'a/b' cannot be bound"), std::string::npos)
      << outcome.err;
}

TEST_P(DeclaredRunTest, ADeclaredProtectedPathStaysReadOnly) {
  ASSERT_EQ(::mkdir((workspace() + "/.git").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((workspace() + "/.git/hooks").c_str(), 0755), 0);
  SandboxPolicy p = declared({"write", "/workspace/.git/hooks/pre-commit"});
  p.workspace_write = {".git"};
  EXPECT_EQ(answer(p), "EROFS");
  p.workspace_write = {".git/hooks"};
  EXPECT_EQ(answer(p), "EROFS");
  EXPECT_FALSE(sys::status_of(workspace() + "/.git/hooks/pre-commit").has_value());
}

TEST_P(DeclaredRunTest, TheSkillFolderIsReadOnlyAtSlashSkill) {
  ASSERT_EQ(::mkdir(dir_.file("skill").c_str(), 0755), 0);
  write_text(dir_.file("skill/SKILL.md"), "---\nname: x\n---\n");
  SandboxPolicy p = declared({"read", "/skill/SKILL.md"});
  p.skill_dir = dir_.file("skill");
  EXPECT_EQ(answer(p), "OPEN");
  p.argv = {probe_path(), "write", "/skill/SKILL.md"};
  EXPECT_EQ(answer(p), "EROFS");
  EXPECT_EQ(read_text(dir_.file("skill/SKILL.md")), "---\nname: x\n---\n");
  // A symlink in the folder's place is refused, not followed.
  ASSERT_EQ(::symlink(dir_.file("skill").c_str(), dir_.file("link").c_str()), 0);
  p.skill_dir = dir_.file("link");
  EXPECT_EQ(run(p).code, kExitSetupFailed);
}

TEST_P(DeclaredRunTest, OnlyDeclaredProgramsCanBeExecuted) {
  // The probe and sh are declared; cat is not. Nothing copied to /tmp can run either.
  SandboxPolicy p = policy({"/bin/sh", "-c",
                            "echo ok; cat /dev/null && echo cat-ran; "
                            "cp /bin/sh /tmp/sh2 && /tmp/sh2 -c 'echo copy-ran'; "
                            "cp /bin/sh /workspace/sh3 && /workspace/sh3 -c 'echo ws-ran'; true"});
  p.executables = {"/bin/sh", "/usr/bin/cp", "/bin/cp"};
  Outcome outcome = run(p);
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_EQ(outcome.out, "ok\n");
  EXPECT_NE(outcome.err.find("Permission denied"), std::string::npos) << outcome.err;
  // Without a list, the same command runs everything.
  p.executables.clear();
  outcome = run(p);
  EXPECT_EQ(outcome.out, "ok\ncat-ran\ncopy-ran\nws-ran\n") << outcome.err;
}

TEST_P(DeclaredRunTest, UndeclaredCodeCannotBeMappedExecutableEither) {
  // Landlock checks execve only; the loader run directly, LD_PRELOAD or an in-memory file
  // would map code without one. Writable places are noexec and memfd_create is refused.
  const std::string loader = "/lib64/ld-linux-x86-64.so.2";
  if (!sys::status_of(loader)) {
    GTEST_SKIP() << "no " << loader << " on this machine";
  }
  SandboxPolicy p = policy({"/bin/sh", "-c",
                            "cp /bin/true /tmp/t && " + loader +
                                " /tmp/t && echo tmp-ran; "
                                "cp /bin/true /workspace/t && " +
                                loader +
                                " /workspace/t && echo ws-ran; "
                                "cp /bin/true $HOME/t && " +
                                loader +
                                " $HOME/t && echo home-ran; "
                                "true"});
  p.executables = {"/bin/sh", "/usr/bin/cp", "/bin/cp"};
  Outcome outcome = run(p);
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_EQ(outcome.out, "");
  p.executables.clear();  // the same run without a list: everything runs
  outcome = run(p);
  EXPECT_EQ(outcome.out, "tmp-ran\nws-ran\nhome-ran\n") << outcome.err;

  SandboxPolicy memfd = policy({probe_path(), "memfd"});
  memfd.executables = {probe_path()};
  EXPECT_EQ(answer(memfd), "EPERM");
  memfd.executables.clear();
  EXPECT_EQ(answer(memfd), "OPEN");
}

TEST_P(DeclaredRunTest, AWritableFileInsideAReadOnlyDeclaredFolder) {
  ASSERT_EQ(::mkdir((workspace() + "/a").c_str(), 0755), 0);
  write_text(workspace() + "/a/f.txt", "old\n");
  write_text(workspace() + "/a/g.txt", "g\n");
  SandboxPolicy p = declared({"write", "/workspace/a/f.txt"});
  p.workspace_read = {"a"};
  p.workspace_write = {"a/f.txt"};
  EXPECT_EQ(answer(p), "OPEN");
  p.argv = {probe_path(), "write", "/workspace/a/g.txt"};
  EXPECT_EQ(answer(p), "EROFS");
}

TEST_P(DeclaredRunTest, ScriptsInTheSkillFolderRunWithDeclaredInterpreters) {
  ASSERT_EQ(::mkdir(dir_.file("skill").c_str(), 0755), 0);
  write_text(dir_.file("skill/run.sh"), "#!/bin/sh\necho from-skill \"$1\"\n");
  ASSERT_EQ(::chmod(dir_.file("skill/run.sh").c_str(), 0755), 0);
  SandboxPolicy p = policy({"/skill/run.sh", "arg"});
  p.workspace_access = WorkspaceAccess::kNone;
  p.skill_dir = dir_.file("skill");
  p.executables = {"/bin/sh"};
  Outcome outcome = run(p);
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_EQ(outcome.out, "from-skill arg\n");
  // The interpreter must be declared too.
  p.executables = {"/usr/bin/true"};
  outcome = run(p);
  EXPECT_NE(outcome.code, 0);
  EXPECT_EQ(outcome.out, "");
}

INSTANTIATE_TEST_SUITE_P(Helpers, DeclaredRunTest, ::testing::Bool(), helper_kind);

}  // namespace
}  // namespace chitin::sandbox
