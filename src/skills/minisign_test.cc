#include "skills/minisign.h"

#include <gtest/gtest.h>

#include "base/child_process.h"
#include "base/encoding.h"
#include "support/temp_dir.h"

namespace chitin::skills {
namespace {

using testing::TempDir;
using testing::write_text;

CapturedRun run_minisign(const std::vector<std::string>& args) {
  SpawnOptions options;
  options.argv = {"/usr/bin/minisign"};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.env = std::vector<std::string>{"PATH=/usr/bin:/bin"};
  options.stdin_mode = Stdio::kPipe;
  auto run = run_captured(options);
  EXPECT_TRUE(run.has_value()) << (run ? "" : run.error().describe());
  return run ? *run : CapturedRun{};
}

TEST(Minisign, KeysRoundTrip) {
  const MinisignKeyPair pair = generate_key_pair();
  const auto pub = parse_public_key(format_public_key(pair.public_key));
  ASSERT_TRUE(pub) << pub.error().message;
  EXPECT_EQ(pub->key_id, pair.public_key.key_id);
  EXPECT_EQ(pub->key, pair.public_key.key);
  const auto sec = parse_secret_key(format_secret_key(pair.secret_key));
  ASSERT_TRUE(sec) << sec.error().message;
  EXPECT_EQ(sec->key.public_key(), pair.public_key.key);
}

TEST(Minisign, SignatureVerifiesAndTamperingIsCaught) {
  const MinisignKeyPair pair = generate_key_pair();
  const std::string message = "hello skill\n";
  const auto text = sign(pair.secret_key, as_bytes(message), "skill=demo version=1.0.0");
  ASSERT_TRUE(text);
  const auto signature = parse_signature(*text);
  ASSERT_TRUE(signature) << signature.error().message;
  EXPECT_TRUE(verify(pair.public_key, *signature, as_bytes(message)));
  EXPECT_FALSE(verify(pair.public_key, *signature, as_bytes(std::string("hello skilL\n"))));
  MinisignSignature edited = *signature;
  edited.trusted_comment = "skill=evil version=1.0.0";
  const auto comment = verify(pair.public_key, edited, as_bytes(message));
  ASSERT_FALSE(comment);
  EXPECT_NE(comment.error().message.find("trusted comment"), std::string::npos);
  const MinisignKeyPair other = generate_key_pair();
  const auto wrong_key = verify(other.public_key, *signature, as_bytes(message));
  ASSERT_FALSE(wrong_key);
  EXPECT_NE(wrong_key.error().message.find("signed by key"), std::string::npos);
}

TEST(Minisign, StockMinisignVerifiesOurSignature) {
  TempDir dir;
  const MinisignKeyPair pair = generate_key_pair();
  write_text(dir.file("key.pub"), format_public_key(pair.public_key));
  write_text(dir.file("file"), "signed bytes\n");
  const auto text = sign(pair.secret_key, as_bytes(std::string("signed bytes\n")), "skill=x");
  ASSERT_TRUE(text);
  write_text(dir.file("file.minisig"), *text);
  const CapturedRun ok = run_minisign({"-Vm", dir.file("file"), "-p", dir.file("key.pub")});
  EXPECT_TRUE(ok.status.success()) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("skill=x"), std::string::npos);
  write_text(dir.file("file"), "signed bytez\n");
  const CapturedRun bad = run_minisign({"-Vm", dir.file("file"), "-p", dir.file("key.pub")});
  EXPECT_FALSE(bad.status.success());
}

TEST(Minisign, StockMinisignSignsWithOurSecretKeyAndWeVerify) {
  TempDir dir;
  const MinisignKeyPair pair = generate_key_pair();
  write_text(dir.file("key.key"), format_secret_key(pair.secret_key));
  write_text(dir.file("file"), "payload\n");
  const CapturedRun signed_run =
      run_minisign({"-S", "-s", dir.file("key.key"), "-m", dir.file("file"), "-t", "by minisign"});
  ASSERT_TRUE(signed_run.status.success()) << signed_run.err;
  const auto signature = parse_signature(testing::read_text(dir.file("file.minisig")));
  ASSERT_TRUE(signature) << signature.error().message;
  EXPECT_TRUE(verify(pair.public_key, *signature, as_bytes(std::string("payload\n"))));
  EXPECT_EQ(signature->trusted_comment, "by minisign");
}

TEST(Minisign, ReadsKeysMadeByStockMinisign) {
  TempDir dir;
  const CapturedRun generated =
      run_minisign({"-G", "-W", "-p", dir.file("m.pub"), "-s", dir.file("m.key")});
  ASSERT_TRUE(generated.status.success()) << generated.err;
  const auto pub = parse_public_key(testing::read_text(dir.file("m.pub")));
  ASSERT_TRUE(pub) << pub.error().message;
  const auto sec = parse_secret_key(testing::read_text(dir.file("m.key")));
  ASSERT_TRUE(sec) << sec.error().message;
  EXPECT_EQ(sec->key.public_key(), pub->key);
}

TEST(Minisign, RejectsMalformedInput) {
  EXPECT_FALSE(parse_public_key("untrusted comment: x\nnot base64!\n"));
  EXPECT_FALSE(parse_public_key("a\nb\nc\n"));
  EXPECT_FALSE(parse_public_key(std::string(5000, 'A')));
  EXPECT_FALSE(parse_signature("untrusted comment: x\nAAAA\n"));
  EXPECT_FALSE(parse_signature("untrusted comment: x\nAAAA\ntrusted comment: y\nAAAA\n"));
  const MinisignKeyPair pair = generate_key_pair();
  EXPECT_FALSE(sign(pair.secret_key, as_bytes(std::string("x")), "two\nlines"));
  // An encrypted key is refused with a message that says what to do instead.
  std::string key = format_secret_key(pair.secret_key);
  auto raw = base64_decode(key.substr(key.find('\n') + 1, key.size() - key.find('\n') - 2));
  ASSERT_TRUE(raw);
  (*raw)[2] = 'S';
  (*raw)[3] = 'c';
  const auto encrypted = parse_secret_key(base64_encode(*raw));
  ASSERT_FALSE(encrypted);
  EXPECT_NE(encrypted.error().message.find("password-encrypted"), std::string::npos);
}

TEST(Minisign, KeyIdIsShownAsMinisignShowsIt) {
  const KeyId id = {0x82, 0xc9, 0x7a, 0x2e, 0x5a, 0x64, 0x0f, 0xbd};
  EXPECT_EQ(key_id_hex(id), "BD0F645A2E7AC982");
}

}  // namespace
}  // namespace chitin::skills
