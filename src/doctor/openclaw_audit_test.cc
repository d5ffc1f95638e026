#include "doctor/openclaw_audit.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "doctor/openclaw_checks.h"
#include "support/temp_dir.h"
#include "sys/file_ops.h"

namespace chitin::doctor {
namespace {

using chitin::testing::TempDir;
using chitin::testing::write_text;

constexpr std::string_view kToken = "d41d8cd98f00b204e9800998ecf8427e";

Report audit(const std::string& dir, bool secrets = false) {
  OpenClawOptions options;
  options.scan_secrets = secrets;
  options.scan_skills = false;
  auto report = audit_openclaw(dir, options);
  EXPECT_TRUE(report.has_value()) << report.error().describe();
  return report ? *report : Report{};
}

const Finding* find(const Report& report, std::string_view id) {
  for (const Finding& f : report.findings) {
    if (f.check_id == id) {
      return &f;
    }
  }
  return nullptr;
}

// A private state directory with a config (0700/0600, as a careful user keeps it).
std::string install(const TempDir& dir, const std::string& config, std::string name = "state") {
  const std::string state = dir.file(name);
  std::filesystem::create_directories(state);
  ::chmod(state.c_str(), 0700);
  write_text(state + "/openclaw.json", config);
  ::chmod((state + "/openclaw.json").c_str(), 0600);
  return state;
}

TEST(OpenClawAudit, ReadsDotenvLikeAShellWould) {
  const auto vars = parse_dotenv(
      "# comment\n\nexport A=1\n  B = \"two words\" \r\nC='x'\nnot a pair\nD=\nE=\"unbalanced\n");
  ASSERT_EQ(vars.size(), 5U);
  EXPECT_EQ(vars[0], (std::pair<std::string, std::string>{"A", "1"}));
  EXPECT_EQ(vars[1], (std::pair<std::string, std::string>{"B", "two words"}));
  EXPECT_EQ(vars[2], (std::pair<std::string, std::string>{"C", "x"}));
  EXPECT_EQ(vars[3], (std::pair<std::string, std::string>{"D", ""}));
  EXPECT_EQ(vars[4], (std::pair<std::string, std::string>{"E", "\"unbalanced"}));
}

TEST(OpenClawAudit, RefusesWhatIsNotADirectory) {
  TempDir dir;
  auto report = audit_openclaw(dir.file("missing"), {});
  ASSERT_FALSE(report.has_value());
  EXPECT_NE(report.error().message.find("not an OpenClaw state directory"), std::string::npos);
}

TEST(OpenClawAudit, ASymlinkedStateDirectoryIsReportedAndItsTargetChecked) {
  TempDir dir;
  const std::string state = install(dir, "{}");
  ::chmod(state.c_str(), 0755);
  std::filesystem::create_directory_symlink(state, dir.file("link"));
  const Report report = audit(dir.file("link"));
  ASSERT_NE(find(report, "fs.state_dir.symlink"), nullptr) << report.to_text();
  ASSERT_NE(find(report, "fs.state_dir.perms_readable"), nullptr);
  EXPECT_TRUE(find(report, "fs.state_dir.perms_readable")->fix_path.empty());  // never via links
}

TEST(OpenClawAudit, LogFileAndSyncedFolder) {
  TempDir dir;
  write_text(dir.file("openclaw.log"), "x\n");
  ::chmod(dir.file("openclaw.log").c_str(), 0640);
  const std::string state = install(
      dir, R"({ logging: { file: ")" + dir.file("openclaw.log") + R"(" } })", "Dropbox/.openclaw");
  const Report report = audit(state);
  ASSERT_NE(find(report, "fs.log_file.perms_readable"), nullptr) << report.to_text();
  EXPECT_EQ(find(report, "fs.log_file.perms_readable")->severity, Severity::kWarn);
  ASSERT_NE(find(report, "fs.synced_dir"), nullptr);
  EXPECT_EQ(find(audit(install(dir, "{}", "plain")), "fs.synced_dir"), nullptr);
}

TEST(OpenClawAudit, AFileTooLargeToScanIsSaid) {
  TempDir dir;
  const std::string state = install(dir, "{}");
  {
    auto file = sys::open_file(state + "/big.log", O_WRONLY | O_CREAT, 0600);
    ASSERT_TRUE(file.has_value());
    ASSERT_EQ(::ftruncate(file->get(), 17 << 20), 0);
  }
  const Report report = audit(state, true);
  ASSERT_NE(find(report, "secrets.scan_truncated"), nullptr) << report.to_text();
}

// How credentials are read decides whether the gateway counts as authenticated: the same
// rules as OpenClaw (${VAR} substituted from the daemon's .env or the env block, $VAR never,
// SecretRefs configured).
TEST(OpenClawAudit, CredentialFormsFollowOpenClaw) {
  TempDir dir;
  // ${VAR} known from .env: authenticated, usable.
  std::string state = install(dir, R"({ gateway: { auth: { token: "${GW_TOKEN}" } } })", "a");
  write_text(state + "/.env", "export GW_TOKEN='" + std::string(kToken) + "'\n");
  Report report = audit(state);
  EXPECT_EQ(find(report, "gateway.loopback_no_auth"), nullptr) << report.to_text();
  EXPECT_EQ(find(report, "gateway.http.no_auth"), nullptr);
  // ${VAR} unknown: no auth at all.
  state = install(dir, R"({ gateway: { auth: { token: "${NOT_SET_ANYWHERE}" } } })", "b");
  report = audit(state);
  EXPECT_NE(find(report, "gateway.loopback_no_auth"), nullptr);
  // $VAR shorthand: never substituted, so no auth, and a password stored in the config.
  state = install(dir, R"({ env: { GW_PASSWORD: "x" },
                          gateway: { auth: { mode: "password", password: "$GW_PASSWORD" } } })",
                  "c");
  report = audit(state);
  EXPECT_NE(find(report, "gateway.loopback_no_auth"), nullptr);
  EXPECT_NE(find(report, "config.secrets.gateway_password_in_config"), nullptr);
  // A SecretRef counts as configured; unresolved, HTTP APIs still have nothing to check.
  state = install(dir, R"({ gateway: { auth: { token: { source: "file", provider: "vault",
                          id: "/gateway/token" } } } })",
                  "d");
  report = audit(state);
  EXPECT_EQ(find(report, "gateway.loopback_no_auth"), nullptr);
  EXPECT_NE(find(report, "gateway.http.no_auth"), nullptr);
  EXPECT_EQ(find(report, "config.secrets.plaintext"), nullptr);
}

TEST(OpenClawAudit, HostileShapesDoNotThrow) {
  TempDir dir;
  // Wrong types everywhere: every check must read them as "not set", not crash.
  const std::string state = install(dir, R"({
    gateway: { bind: 7, auth: [], controlUi: "yes", trustedProxies: {}, tools: { allow: "exec" } },
    hooks: { enabled: "true", token: {} }, tools: { exec: [], elevated: { allowFrom: [] },
    deny: [1, null] }, channels: { telegram: "open", x: { accounts: [] } },
    agents: { defaults: { sandbox: [] }, entries: { a: 3 }, list: [null, 1, { id: 2 }] },
    plugins: { allow: {} }, logging: null, security: { audit: { suppressions: [1] } },
  })");
  const Report report = audit(state);
  EXPECT_NE(find(report, "summary.attack_surface"), nullptr);
}

TEST(OpenClawAudit, FixIsNeverOfferedThroughASymlinkedConfig) {
  TempDir dir;
  const std::string state = install(dir, "{}");
  write_text(dir.file("elsewhere.json"), "{}");
  ::chmod(dir.file("elsewhere.json").c_str(), 0666);
  std::filesystem::remove(state + "/openclaw.json");
  std::filesystem::create_symlink(dir.file("elsewhere.json"), state + "/openclaw.json");
  const Report report = audit(state);
  ASSERT_NE(find(report, "fs.config.symlink"), nullptr);
  ASSERT_NE(find(report, "fs.config.perms_writable"), nullptr);
  auto fixed = apply_fixes(state, report);
  ASSERT_TRUE(fixed.has_value());
  EXPECT_EQ(sys::status_of(dir.file("elsewhere.json"))->mode, 0666U);
}

TEST(OpenClawAudit, AgentsListEntriesAreCheckedLikeEntries) {
  TempDir dir;
  const std::string state = install(dir, R"({ agents: { list: [
      { id: "main", default: true },
      { id: "ops", sandbox: { mode: "off", docker: { binds: ["//etc/../root:/r"] } },
        model: "openai/gpt-3.5-turbo" } ] } })");
  const Report report = audit(state);
  ASSERT_NE(find(report, "sandbox.dangerous_bind_mount"), nullptr) << report.to_text();
  EXPECT_NE(find(report, "sandbox.dangerous_bind_mount")->evidence.find("agents.list[1]"),
            std::string::npos);
  EXPECT_NE(find(report, "models.legacy"), nullptr);
}

TEST(OpenClawAudit, ABlankEnvTokenIsNoAuthAndAShortOneIsTooShort) {
  TempDir dir;
  std::string state = install(dir, "{}", "blank");
  write_text(state + "/.env", "OPENCLAW_GATEWAY_TOKEN=   \n");
  EXPECT_NE(find(audit(state), "gateway.loopback_no_auth"), nullptr);
  state = install(dir, "{}", "short");
  write_text(state + "/.env", "OPENCLAW_GATEWAY_TOKEN=abc123\n");
  const Report report = audit(state);
  EXPECT_EQ(find(report, "gateway.loopback_no_auth"), nullptr);
  EXPECT_NE(find(report, "gateway.token_too_short"), nullptr) << report.to_text();
}

TEST(OpenClawAudit, FixLeavesWhatIsOutsideOrOfTheWrongKindAlone) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("home-like"));
  ::chmod(dir.file("home-like").c_str(), 0755);
  // logging.file naming a directory outside the state directory.
  const std::string state =
      install(dir, R"({ logging: { file: ")" + dir.file("home-like") + R"(" } })");
  write_text(dir.file("outside.log"), "x");
  ::chmod(dir.file("outside.log").c_str(), 0644);
  const Report report = audit(state);
  ASSERT_NE(find(report, "fs.log_file.perms_readable"), nullptr);
  EXPECT_TRUE(find(report, "fs.log_file.perms_readable")->fix_path.empty());
  // A fix whose target resolves outside the audited directory is skipped, not applied.
  Report forged;
  Finding f;
  f.check_id = "fs.log_file.perms_readable";
  f.fix_path = dir.file("outside.log");
  f.fix_mode = 0600;
  forged.findings.push_back(f);
  auto fixed = apply_fixes(state, forged);
  ASSERT_TRUE(fixed.has_value());
  EXPECT_TRUE(fixed->fixed.empty());
  ASSERT_EQ(fixed->skipped.size(), 1U);
  EXPECT_EQ(sys::status_of(dir.file("outside.log"))->mode, 0644U);
  EXPECT_EQ(sys::status_of(dir.file("home-like"))->mode, 0755U);
}

}  // namespace
}  // namespace chitin::doctor
