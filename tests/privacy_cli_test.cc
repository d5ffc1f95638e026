// End-to-end tests of `chitin privacy ...` with the real binary: types, scan, redact/restore
// through an encrypted vault, user types from flags and the config, bad input, and a 100 MB
// input streamed in bounded memory.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "base/child_process.h"
#include "support/chitin_cli.h"
#include "support/temp_dir.h"

namespace chitin {
namespace {

using chitin::testing::read_text;
using chitin::testing::TempDir;
using chitin::testing::write_text;

const std::string kText =
    "您好，我叫王建国，身份证号11010519491231002X，手机13812345678，邮箱 wang@example.com。\n"
    "Contact Olivia Bennett at +44 20 7946 0958; card 4111 1111 1111 1111; key "
    "AKIAIOSFODNN7EXAMPLE.\n";

class PrivacyCliTest : public ::testing::Test {
 protected:
  CapturedRun chitin(std::vector<std::string> args) {
    chitin::testing::ChitinCli cli{CHITIN_BINARY, dir_.file("state"), dir_.path(), dir_.path()};
    return cli.run(args);
  }
  void init() { ASSERT_TRUE(chitin({"init"}).status.success()); }
  std::string file(const std::string& name, const std::string& content) {
    const std::string path = dir_.file(name);
    write_text(path, content);
    return path;
  }
  TempDir dir_;
};

TEST_F(PrivacyCliTest, TypesListsTheBuiltInCatalog) {
  const auto run = chitin({"privacy", "types", "--json"});
  ASSERT_TRUE(run.status.success()) << run.err;
  const auto types = nlohmann::json::parse(run.out);
  ASSERT_GE(types.size(), 250U);
  for (const auto& type : types) {
    EXPECT_FALSE(type["id"].get<std::string>().empty());
    EXPECT_FALSE(type["category"].get<std::string>().empty());
    EXPECT_FALSE(type["example"].get<std::string>().empty());
  }
  const auto table = chitin({"privacy", "types"});
  EXPECT_NE(table.out.find("types ("), std::string::npos);
  EXPECT_NE(chitin({"privacy", "types", "--validators"}).out.find("cn_resident_id"),
            std::string::npos);
}

// The first run compiles the catalog and caches it privately: in the installation's cache/
// directory, or without an installation under $HOME/.cache/chitin (other tests share one
// cache through the test helper; this one does not).
TEST_F(PrivacyCliTest, TheFirstRunCompilesThePatternsAndCachesThemPrivately) {
  const auto cached_files = [](const std::string& dir) {
    std::vector<std::string> names;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with("privacy-") && name.ends_with(".hsdb")) {
        struct stat st {};
        EXPECT_EQ(::stat(entry.path().c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0600U) << name;
        names.push_back(name);
      }
    }
    return names;
  };
  const auto mode_of = [](const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_mode & 0777 : 0U;
  };
  chitin::testing::ChitinCli cli{CHITIN_BINARY, dir_.file("state"), dir_.file("user")};
  cli.share_pattern_cache = false;
  ASSERT_EQ(::mkdir(cli.user_home.c_str(), 0700), 0);
  const std::string input = file("in.txt", kText);
  const CapturedRun first = cli.run({"privacy", "redact", input});
  ASSERT_TRUE(first.status.success()) << first.err;
  EXPECT_EQ(mode_of(cli.user_home + "/.cache"), 0700U);
  EXPECT_EQ(mode_of(cli.user_home + "/.cache/chitin"), 0700U);
  // The built-in patterns, the context-only ones, and the record types among those.
  EXPECT_EQ(cached_files(cli.user_home + "/.cache/chitin").size(), 3U);

  ASSERT_TRUE(cli.run({"init"}).status.success());
  ASSERT_TRUE(cli.run({"privacy", "redact", input}).status.success());
  EXPECT_EQ(mode_of(cli.home + "/cache"), 0700U);
  EXPECT_EQ(cached_files(cli.home + "/cache").size(), 3U);
}

TEST_F(PrivacyCliTest, ScanReportsOffsetsAndHashesNeverTheText) {
  const std::string input = file("in.txt", kText);
  const auto run = chitin({"privacy", "scan", "--json", input});
  EXPECT_EQ(run.status.code, 1) << run.err;  // found something
  const auto report = nlohmann::json::parse(run.out);
  ASSERT_GE(report["count"].get<int>(), 8);
  for (const auto& entity : report["entities"]) {
    const std::size_t start = entity["start"];
    const std::size_t end = entity["end"];
    ASSERT_LT(start, end);
    ASSERT_LE(end, kText.size());
    EXPECT_EQ(entity["hash"].get<std::string>().size(), 32U);
    EXPECT_EQ(run.out.find(kText.substr(start, end - start)), std::string::npos)
        << "scan output contains the entity text";
  }
  EXPECT_EQ(kText.substr(report["entities"][1]["start"], 18), "11010519491231002X");
  EXPECT_EQ(chitin({"privacy", "scan", file("clean.txt", "nothing to see here\n")}).status.code, 0);
}

TEST_F(PrivacyCliTest, RedactAndRestoreThroughAnEncryptedVault) {
  init();
  const std::string input = file("in.txt", kText);
  const std::string vault = dir_.file("session.vault");
  const auto redacted = chitin({"privacy", "redact", "--vault", vault, input});
  ASSERT_TRUE(redacted.status.success()) << redacted.err;
  EXPECT_NE(redacted.out.find("⟦CN_ID_1⟧"), std::string::npos);
  EXPECT_EQ(redacted.out.find("13812345678"), std::string::npos);
  EXPECT_EQ(redacted.out.find("Olivia"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(vault.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  EXPECT_EQ(read_text(vault).find("13812345678"), std::string::npos);

  // The model rewrote some placeholders; restore still brings the values back.
  std::string reply = redacted.out;
  const std::size_t email = reply.find("⟦EMAIL_1⟧");
  ASSERT_NE(email, std::string::npos);
  reply.replace(email, std::string("⟦EMAIL_1⟧").size(), "[email_1]");
  const auto restored = chitin({"privacy", "restore", "--vault", vault, file("reply.txt", reply)});
  ASSERT_TRUE(restored.status.success()) << restored.err;
  EXPECT_EQ(restored.out, kText);

  // A second redact extends the same vault: same value, same placeholder.
  const auto again =
      chitin({"privacy", "redact", "--vault", vault, file("again.txt", "call 13812345678")});
  EXPECT_EQ(again.out, "call ⟦PHONE_1⟧");
}

TEST_F(PrivacyCliTest, VaultErrorsAreClear) {
  const std::string input = file("in.txt", kText);
  const auto no_init = chitin({"privacy", "redact", "--vault", dir_.file("v"), input});
  EXPECT_EQ(no_init.status.code, 2);
  EXPECT_NE(no_init.err.find("chitin init"), std::string::npos) << no_init.err;
  init();
  const auto missing = chitin({"privacy", "restore", "--vault", dir_.file("missing.vault"), input});
  EXPECT_NE(missing.status.code, 0);
  EXPECT_NE(missing.err.find("missing.vault"), std::string::npos) << missing.err;
  const auto garbage =
      chitin({"privacy", "restore", "--vault", file("garbage.vault", "xyz"), input});
  EXPECT_NE(garbage.status.code, 0);
  EXPECT_NE(garbage.err.find("not a Chitin privacy vault"), std::string::npos) << garbage.err;
  EXPECT_EQ(chitin({"privacy", "restore", input}).status.code, 2);  // --vault required
}

TEST_F(PrivacyCliTest, UserTypesFromFlagsAndConfig) {
  init();
  const std::string staff = file("staff.txt", "Blue Falcon\n李雷\n");
  const auto flags =
      chitin({"privacy", "redact", "--dict", "PROJECT=" + staff, "--pattern", "TICKET=TCK-[0-9]{5}",
              file("in.txt", "blue falcon, 李雷, TCK-00042\n")});
  ASSERT_TRUE(flags.status.success()) << flags.err;
  EXPECT_EQ(flags.out, "⟦PROJECT_1⟧, ⟦PROJECT_2⟧, ⟦TICKET_1⟧\n");

  const std::string config_file = dir_.file("state") + "/chitin.toml";
  std::string config_text = read_text(config_file);
  const std::size_t key = config_text.find("dictionaries = []");
  ASSERT_NE(key, std::string::npos) << config_text;
  config_text.replace(key, std::string("dictionaries = []").size(),
                      "dictionaries = [\"PROJECT=" + staff + "\"]");
  write_text(config_file, config_text);
  const auto config = chitin({"privacy", "redact", file("in2.txt", "Blue Falcon\n")});
  ASSERT_TRUE(config.status.success()) << config.err;
  EXPECT_EQ(config.out, "⟦PROJECT_1⟧\n");

  const auto bad = chitin({"privacy", "scan", "--pattern", "BAD=(a)\\1", file("x.txt", "aa")});
  EXPECT_EQ(bad.status.code, 2);
  EXPECT_NE(bad.err.find("BAD"), std::string::npos) << bad.err;
  const auto missing = chitin({"privacy", "scan", "--dict", "X=" + dir_.file("nope.txt"), staff});
  EXPECT_EQ(missing.status.code, 2);
  EXPECT_NE(missing.err.find("nope.txt"), std::string::npos) << missing.err;
}

// 100 MB in, streamed in 1 MiB blocks: the process stays under a 512 MiB address-space limit
// (the corpus alone is 100 MB). Sanitizer builds reserve terabytes of shadow memory, so there
// the limit is skipped and the input is smaller.
TEST_F(PrivacyCliTest, HundredMegabyteInputIsStreamedInBoundedMemory) {
#if defined(__SANITIZE_ADDRESS__)
  constexpr std::size_t kBytes = 8U << 20;
  const std::string limit;
#else
  constexpr std::size_t kBytes = 100U << 20;
  const std::string limit = "ulimit -v 524288; ";
#endif
  const std::string input = dir_.file("big.txt");
  {
    std::ofstream out(input, std::ios::binary);
    std::string block;
    for (int i = 0; block.size() < 64 * 1024; ++i) {
      block += "line " + std::to_string(i) + ": 联系人王芳，手机13812345678，mail a" +
               std::to_string(i % 997) + "@example.com, ok\n";
    }
    for (std::size_t written = 0; written < kBytes; written += block.size()) {
      out << block;
    }
  }
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", limit + "exec \"$0\" privacy redact \"$1\" | tail -c 200",
                  CHITIN_BINARY, input};
  options.env = std::vector<std::string>{"PATH=/usr/bin:/bin", "CHITIN_HOME=" + dir_.file("state"),
                                         "HOME=" + dir_.path()};
  options.stdin_mode = Stdio::kNull;
  auto run = run_captured(options);
  ASSERT_TRUE(run);
  ASSERT_TRUE(run->status.success()) << run->err;
  EXPECT_NE(run->out.find("⟦PHONE_1⟧"), std::string::npos) << run->out;
  EXPECT_EQ(run->out.find("13812345678"), std::string::npos);
}

}  // namespace
}  // namespace chitin
