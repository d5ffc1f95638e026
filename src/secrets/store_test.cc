#include "secrets/store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/temp_dir.h"

namespace chitin::secrets {
namespace {

using chitin::testing::read_text;
using chitin::testing::TempDir;
using chitin::testing::write_text;

class StoreTest : public ::testing::Test {
 protected:
  StoreFiles files() const { return {dir_.file("secrets"), dir_.file("secrets.key")}; }
  static PassphraseSource phrase(std::string text) {
    return [text] { return Result<std::string>(text); };
  }
  static Secret secret(std::string name, std::string value) {
    Secret s;
    s.name = std::move(name);
    s.value = std::move(value);
    s.hosts = {"API.example.com"};
    s.created = 1000;
    return s;
  }
  TempDir dir_;
};

TEST_F(StoreTest, KeyFileStoreRoundTripsAndKeepsABackup) {
  auto store = Store::create(files(), std::nullopt);
  ASSERT_TRUE(store) << store.error().describe();
  EXPECT_EQ(*Store::key_kind_of(files()), KeyKind::kKeyFile);
  struct stat st {};
  ASSERT_EQ(::stat(files().key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  ASSERT_TRUE(store->put(secret("openai", "sk-test-1234567890")));
  ASSERT_TRUE(store->put(secret("github", "ghp_abcdefghijklmnop")));
  auto again = Store::open(files(), nullptr);
  ASSERT_TRUE(again) << again.error().describe();
  ASSERT_EQ(again->secrets().size(), 2U);
  EXPECT_EQ(again->find("openai")->value, "sk-test-1234567890");
  EXPECT_EQ(again->find("openai")->hosts, std::vector<std::string>{"api.example.com"});
  // The previous version is kept, and the value never appears in plaintext on disk.
  EXPECT_EQ(read_text(files().backup()).find("sk-test"), std::string::npos);
  EXPECT_EQ(read_text(files().store()).find("sk-test"), std::string::npos);
  // Replacing keeps created; removing works once.
  auto replaced = secret("openai", "sk-test-replaced-0000");
  replaced.created = 5;
  ASSERT_TRUE(again->put(replaced));
  EXPECT_EQ(again->find("openai")->created, 1000);
  ASSERT_TRUE(again->mark_used({"openai"}, 4242));
  EXPECT_EQ(Store::open(files(), nullptr)->find("openai")->last_used, 4242);
  EXPECT_TRUE(*again->remove("github"));
  EXPECT_FALSE(*again->remove("github"));
  EXPECT_EQ(Store::open(files(), nullptr)->secrets().size(), 1U);
  EXPECT_FALSE(Store::create(files(), std::nullopt));  // never over an existing store
}

TEST_F(StoreTest, ChangesFromTwoHandlesAreNotLost) {
  ASSERT_TRUE(Store::create(files(), std::nullopt));
  auto first = Store::open(files(), nullptr);
  auto second = Store::open(files(), nullptr);
  ASSERT_TRUE(first->put(secret("one", "value-one-123")));
  ASSERT_TRUE(second->put(secret("two", "value-two-123")));  // re-reads under the lock
  EXPECT_EQ(Store::open(files(), nullptr)->secrets().size(), 2U);
}

TEST_F(StoreTest, PassphraseStoreRefusesAWrongPassphraseClearly) {
  ASSERT_TRUE(Store::create(files(), std::string("correct horse")));
  EXPECT_EQ(*Store::key_kind_of(files()), KeyKind::kPassphrase);
  {
    auto store = Store::open(files(), phrase("correct horse"));
    ASSERT_TRUE(store) << store.error().describe();
    EXPECT_EQ(store->key_kind(), KeyKind::kPassphrase);
    ASSERT_TRUE(store->put(secret("openai", "sk-test-1234567890")));
  }
  auto wrong = Store::open(files(), phrase("battery staple"));
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("wrong passphrase"), std::string::npos);
  auto none = Store::open(files(), nullptr);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("CHITIN_PASSPHRASE"), std::string::npos);
  EXPECT_FALSE(Store::open(files(), phrase("")));
  EXPECT_EQ(Store::open(files(), phrase("correct horse"))->find("openai")->value,
            "sk-test-1234567890");
}

TEST_F(StoreTest, DamageIsReportedAndTheBackupRecovers) {
  auto store = Store::create(files(), std::nullopt);
  ASSERT_TRUE(store->put(secret("openai", "sk-test-1234567890")));
  ASSERT_TRUE(store->put(secret("github", "ghp_abcdefghijklmnop")));
  std::string bytes = read_text(files().store());
  bytes[bytes.size() - 20] ^= 0x01;
  write_text(files().store(), bytes);
  auto damaged = Store::open(files(), nullptr);
  ASSERT_FALSE(damaged);
  EXPECT_NE(damaged.error().message.find("store.bak"), std::string::npos);
  // A failed change writes nothing.
  EXPECT_FALSE(store->put(secret("third", "value-three-123")));
  EXPECT_EQ(read_text(files().store()), bytes);
  write_text(files().store(), read_text(files().backup()));
  auto recovered = Store::open(files(), nullptr);
  ASSERT_TRUE(recovered) << recovered.error().describe();
  EXPECT_EQ(recovered->secrets().size(), 1U);
  // Truncated, not a store at all, and a header altered.
  write_text(files().store(), "short");
  EXPECT_FALSE(Store::open(files(), nullptr));
  std::string altered = read_text(files().backup());
  altered[17] ^= 0x01;  // inside the salt: authenticated as associated data
  write_text(files().store(), altered);
  EXPECT_FALSE(Store::open(files(), nullptr));
}

TEST_F(StoreTest, KeyFileProblemsFailClosed) {
  ASSERT_TRUE(Store::create(files(), std::nullopt));
  ASSERT_EQ(::chmod(files().key_file.c_str(), 0644), 0);
  auto loose = Store::open(files(), nullptr);
  ASSERT_FALSE(loose);
  EXPECT_NE(loose.error().message.find("chmod 600"), std::string::npos);
  ASSERT_EQ(::chmod(files().key_file.c_str(), 0600), 0);
  const std::string key = read_text(files().key_file);
  ASSERT_EQ(::unlink(files().key_file.c_str()), 0);
  EXPECT_NE(Store::open(files(), nullptr).error().message.find("missing"), std::string::npos);
  // Another installation's key file.
  TempDir other;
  ASSERT_TRUE(Store::create({other.file("s"), other.file("k")}, std::nullopt));
  write_text(files().key_file, read_text(other.file("k")));
  ASSERT_EQ(::chmod(files().key_file.c_str(), 0600), 0);
  EXPECT_NE(Store::open(files(), nullptr).error().message.find("does not belong"),
            std::string::npos);
  write_text(files().key_file, key);
  EXPECT_TRUE(Store::open(files(), nullptr));
  EXPECT_FALSE(Store::open({dir_.file("none"), files().key_file}, nullptr));
}

TEST(SecretNames, ValidationSaysWhatIsWrong) {
  EXPECT_TRUE(check_name("openai"));
  EXPECT_TRUE(check_name("github-token_2"));
  EXPECT_FALSE(check_name(""));
  EXPECT_TRUE(check_name("OPENAI_API_KEY"));
  EXPECT_TRUE(check_name("svc.token"));
  EXPECT_FALSE(check_name("token."));
  EXPECT_FALSE(check_name("_x"));
  EXPECT_FALSE(check_name("2fa"));
  EXPECT_FALSE(check_name("a/b"));
  EXPECT_FALSE(check_name(std::string(65, 'a')));
  EXPECT_TRUE(check_value("12345678"));
  EXPECT_FALSE(check_value("1234567"));
  EXPECT_FALSE(check_value("abc\r\nX-Injected: 1"));
  EXPECT_FALSE(check_value(std::string("abcdefgh\0i", 10)));
  EXPECT_FALSE(check_value(std::string(kMaxValueBytes + 1, 'a')));
  EXPECT_TRUE(check_format("Bearer {}"));
  EXPECT_FALSE(check_format("Bearer"));
  EXPECT_FALSE(check_format("{}{}"));
  EXPECT_EQ(placeholder("openai"), "chitin-secret://openai");
  EXPECT_EQ(env_name("github-token"), "GITHUB_TOKEN");
  EXPECT_EQ(env_name("svc.Token"), "SVC_TOKEN");
}

TEST(SecretContents, DamagedDocumentsAreRefused) {
  EXPECT_TRUE(parse_contents(R"({"version":1,"secrets":[]})", "t"));
  for (const char* bad :
       {"", "[]", R"({"version":2,"secrets":[]})", R"({"version":1})",
        R"({"version":1,"secrets":[{"name":"a"}]})",
        R"({"version":1,"secrets":[{"name":"1A","value":"12345678"}]})",
        R"({"version":1,"secrets":[{"name":"a","value":"1"}]})",
        R"({"version":1,"secrets":[{"name":"a","value":"12345678","hosts":"x"}]})",
        R"({"version":1,"secrets":[{"name":"a","value":"12345678","format":"x"}]})",
        R"({"version":1,"secrets":[{"name":"a","value":"12345678"},)"
        R"({"name":"a","value":"12345678"}]})",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]"}) {
    EXPECT_FALSE(parse_contents(bad, "t")) << bad;
  }
  Secret s;
  s.name = "a";
  s.value = "12345678";
  s.hosts = {"h"};
  const auto again = parse_contents(serialize_contents({s}), "t");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->at(0).hosts, s.hosts);
}

}  // namespace
}  // namespace chitin::secrets
