#include "config/state_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "config/config.h"
#include "support/temp_dir.h"
#include "sys/file_ops.h"

namespace chitin::config {
namespace {

using chitin::testing::read_text;
using chitin::testing::TempDir;

mode_t mode_of(const std::string& path) { return sys::status_of(path)->mode; }

TEST(StateDirTest, InitCreatesPrivateDirectoryAndFiles) {
  TempDir dir;
  const StatePaths paths{dir.file("home")};
  auto report = init_state_dir(paths);
  ASSERT_TRUE(report.has_value()) << report.error().describe();
  EXPECT_TRUE(report->changed());
  EXPECT_EQ(mode_of(paths.home), 0700u);
  for (const std::string& d : {paths.keys_dir(), paths.audit_dir(), paths.secrets_dir(),
                               paths.skills_dir(), paths.workspace_dir()}) {
    EXPECT_EQ(mode_of(d), 0700u) << d;
  }
  for (const std::string& f : {paths.config_file(), paths.gateway_token_file(),
                               paths.audit_secret_key_file(), paths.audit_public_key_file()}) {
    EXPECT_EQ(mode_of(f), 0600u) << f;
  }
}

TEST(StateDirTest, ConfigHoldsNoSecretAndParsesToDefaults) {
  TempDir dir;
  const StatePaths paths{dir.file("home")};
  ASSERT_TRUE(init_state_dir(paths).has_value());
  const std::string config_text = read_text(paths.config_file());
  auto token = load_gateway_token(paths);
  ASSERT_TRUE(token.has_value()) << token.error().describe();
  EXPECT_EQ(token->size(), kGatewayTokenPrefix.size() + 43);  // 256 bits, base64url
  EXPECT_EQ(config_text.find(*token), std::string::npos);
  EXPECT_EQ(config_text.find(kGatewayTokenPrefix), std::string::npos);
  const std::string secret_key_text = read_text(paths.audit_secret_key_file());
  const std::string key_body = secret_key_text.substr(secret_key_text.find('\n') + 1, 40);
  EXPECT_EQ(config_text.find(key_body), std::string::npos);
  auto config = load_config(paths.config_file());
  ASSERT_TRUE(config.has_value()) << config.error().describe();
  EXPECT_EQ(render_config(*config, false), render_config(Config{}, false));
}

TEST(StateDirTest, AuditKeysLoadAndMatch) {
  TempDir dir;
  const StatePaths paths{dir.file("home")};
  ASSERT_TRUE(init_state_dir(paths).has_value());
  auto secret = load_audit_secret_key(paths);
  auto public_key = load_audit_public_key(paths);
  ASSERT_TRUE(secret.has_value()) << secret.error().describe();
  ASSERT_TRUE(public_key.has_value()) << public_key.error().describe();
  EXPECT_EQ(secret->public_key(), *public_key);
  const auto signature = crypto::ed25519_sign(*secret, as_bytes("checkpoint"));
  EXPECT_TRUE(crypto::ed25519_verify(*public_key, as_bytes("checkpoint"), signature));
}

TEST(StateDirTest, SecondInitChangesNothing) {
  TempDir dir;
  const StatePaths paths{dir.file("home")};
  ASSERT_TRUE(init_state_dir(paths).has_value());
  const std::string token = read_text(paths.gateway_token_file());
  const std::string key = read_text(paths.audit_secret_key_file());
  const std::string config = read_text(paths.config_file());
  auto again = init_state_dir(paths);
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->changed());
  EXPECT_EQ(read_text(paths.gateway_token_file()), token);
  EXPECT_EQ(read_text(paths.audit_secret_key_file()), key);
  EXPECT_EQ(read_text(paths.config_file()), config);
}

TEST(StateDirTest, InitRestoresOnlyWhatIsMissingAndKeepsEdits) {
  TempDir dir;
  const StatePaths paths{dir.file("home")};
  ASSERT_TRUE(init_state_dir(paths).has_value());
  chitin::testing::write_text(paths.config_file(), "[gateway]\nport = 9999\n");
  ASSERT_EQ(::unlink(paths.gateway_token_file().c_str()), 0);
  auto report = init_state_dir(paths);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->created, std::vector<std::string>{paths.gateway_token_file()});
  EXPECT_EQ(read_text(paths.config_file()), "[gateway]\nport = 9999\n");
}

TEST(StateDirTest, RefusesToRecreateHalfAKeyPair) {
  TempDir dir;
  const StatePaths paths{dir.file("home")};
  ASSERT_TRUE(init_state_dir(paths).has_value());
  ASSERT_EQ(::unlink(paths.audit_public_key_file().c_str()), 0);
  auto report = init_state_dir(paths);
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::kIntegrity);
  EXPECT_NE(report.error().message.find("only one half of the audit key pair"), std::string::npos);
}

TEST(StateDirTest, TightensAnExistingLooseDirectory) {
  TempDir dir;
  const StatePaths paths{dir.file("home")};
  ASSERT_EQ(::mkdir(paths.home.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(paths.home.c_str(), 0777), 0);
  auto report = init_state_dir(paths);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->tightened, std::vector<std::string>{paths.home});
  EXPECT_EQ(mode_of(paths.home), 0700u);
}

TEST(StateDirTest, RefusesSymlinkAndFileAsHome) {
  TempDir dir;
  ASSERT_EQ(::mkdir(dir.file("real").c_str(), 0700), 0);
  ASSERT_EQ(::symlink(dir.file("real").c_str(), dir.file("link").c_str()), 0);
  auto via_link = init_state_dir(StatePaths{dir.file("link")});
  ASSERT_FALSE(via_link.has_value());
  EXPECT_NE(via_link.error().message.find("is a symlink"), std::string::npos);
  chitin::testing::write_text(dir.file("file"), "");
  auto via_file = init_state_dir(StatePaths{dir.file("file")});
  ASSERT_FALSE(via_file.has_value());
  EXPECT_NE(via_file.error().message.find("not a directory"), std::string::npos);
}

TEST(StateDirTest, DamagedKeyAndTokenFilesAreReportedClearly) {
  TempDir dir;
  const StatePaths paths{dir.file("home")};
  ASSERT_TRUE(init_state_dir(paths).has_value());
  chitin::testing::write_text(paths.audit_secret_key_file(), "garbage\n");
  auto key = load_audit_secret_key(paths);
  ASSERT_FALSE(key.has_value());
  EXPECT_NE(key.error().message.find("is not a Chitin key file"), std::string::npos);
  chitin::testing::write_text(paths.audit_public_key_file(),
                              std::string(kAuditPublicKeyHeader) + "\nAAAA\n");
  auto public_key = load_audit_public_key(paths);
  ASSERT_FALSE(public_key.has_value());
  EXPECT_NE(public_key.error().message.find("is damaged"), std::string::npos);
  chitin::testing::write_text(paths.gateway_token_file(), "short\n");
  EXPECT_FALSE(load_gateway_token(paths).has_value());
}

TEST(StatePathsTest, ResolvesOverrideThenEnvironmentAndRequiresAbsolutePaths) {
  EXPECT_EQ(resolve_state_paths(std::string("/x/y/"))->home, "/x/y");
  ::setenv("CHITIN_HOME", "/from/env", 1);
  EXPECT_EQ(resolve_state_paths(std::nullopt)->home, "/from/env");
  ::setenv("CHITIN_HOME", "relative", 1);
  auto relative = resolve_state_paths(std::nullopt);
  ASSERT_FALSE(relative.has_value());
  EXPECT_NE(relative.error().message.find("not an absolute path"), std::string::npos);
  ::unsetenv("CHITIN_HOME");
  ::setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(resolve_state_paths(std::nullopt)->home, "/home/someone/.chitin");
}

}  // namespace
}  // namespace chitin::config
