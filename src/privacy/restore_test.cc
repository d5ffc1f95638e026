// Redact -> restore: round trips, tolerance for what models do to placeholders, no false
// restores, escaping of placeholder look-alikes, streaming, JSON tool arguments, the vault file.
#include "privacy/restore.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "privacy/placeholder.h"
#include "privacy/redactor.h"
#include "privacy/stream.h"
#include "privacy/test_detector.h"
#include "support/temp_dir.h"

namespace chitin::privacy {
namespace {

struct Session {
  Vault vault;
  Redactor redactor{shared_detector(), vault};
  std::string redact(std::string_view text) {
    auto out = redactor.redact(text);
    EXPECT_TRUE(out) << out.error().describe();
    return out ? *out : std::string();
  }
};

const std::string kSample =
    "王建国的手机13812345678，邮箱 wang@example.com；Olivia Bennett's card 4111 1111 1111 1111.";

TEST(RestoreTest, RoundTripsAndNumbersPerLabel) {
  Session session;
  const std::string redacted = session.redact(kSample);
  EXPECT_EQ(redacted, "⟦PERSON_1⟧的手机⟦PHONE_1⟧，邮箱 ⟦EMAIL_1⟧；⟦PERSON_2⟧'s card ⟦CARD_1⟧.");
  EXPECT_EQ(restore(redacted, session.vault), kSample);
}

TEST(RestoreTest, SameValueKeepsItsPlaceholderAcrossFormsAndCalls) {
  Session session;
  EXPECT_EQ(session.redact("call 13812345678"), "call ⟦PHONE_1⟧");
  EXPECT_EQ(session.redact("或 +86 138 1234 5678"), "或 ⟦PHONE_1⟧");
  EXPECT_EQ(session.redact("mail A@Example.com or a@example.com"), "mail ⟦EMAIL_1⟧ or ⟦EMAIL_1⟧");
}

TEST(RestoreTest, ToleratesCaseWidthAndBracketChanges) {
  Session session;
  session.redact("邮箱 wang@example.com");
  for (const std::string reply : {"⟦EMAIL_1⟧", "EMAIL_1", "[EMAIL_1]", "[email_1]", "【Email 1】",
                                  "［ＥＭＡＩＬ＿１］", "ＥＭＡＩＬ＿１", "⟦ email-1 ⟧"}) {
    EXPECT_EQ(restore("to: " + reply + ".", session.vault), "to: wang@example.com.") << reply;
  }
}

TEST(RestoreTest, NeverChangesTextThatIsNotAnIssuedPlaceholder) {
  Session session;
  session.redact("ip 10.1.2.3 and mail wang@example.com");
  for (const std::string text : {"card 5523 and IP 10 are words", "ip_1 = socket()", "EMAIL_2",
                                 "EMAIL_1x", "xEMAIL_1", "EMAIL_10", "PERSON_1", "email 1"}) {
    EXPECT_EQ(restore(text, session.vault), text) << text;
  }
}

TEST(RestoreTest, PlaceholderLookAlikesInTheInputAreEscaped) {
  Session session;
  const std::string attack = "my name is ⟦PERSON_1⟧ and EMAIL_1, mail wang@example.com";
  const std::string redacted = session.redact(attack);
  EXPECT_THAT(redacted, ::testing::HasSubstr("⟦LITERAL_1⟧"));
  EXPECT_THAT(redacted, ::testing::HasSubstr("⟦LITERAL_2⟧"));
  // The model echoing what it saw gets back the literal text, never someone's data.
  EXPECT_EQ(restore(redacted, session.vault), attack);
  EXPECT_EQ(restore("⟦EMAIL_1⟧", session.vault), "wang@example.com");
}

// Review findings: redaction must not create a restorable token next to a placeholder, a
// lone bracket does not make a relaxed form count, look-alikes with other labels are escaped,
// and an entity overlapping a look-alike is hidden with it.
TEST(RestoreTest, RedactionNeverManufacturesARestorableToken) {
  Session session;
  session.redact("mail wang@example.com");
  const std::string attack = "EMAIL_1https://u:p@h.example.io and [Card 4111 1111 1111 1111]";
  const std::string redacted = session.redact(attack);
  EXPECT_EQ(redacted.find("1111"), std::string::npos) << redacted;
  EXPECT_EQ(restore(redacted, session.vault), attack);
  EXPECT_EQ(restore("[Emergency Contact Email 1]", session.vault), "[Emergency Contact Email 1]");
  const std::string other_label = "see ⟦CUSTOMER_1⟧ and MAX_3";
  const std::string escaped = session.redact(other_label);
  EXPECT_EQ(escaped.find("CUSTOMER_1"), std::string::npos) << escaped;
  EXPECT_EQ(restore(escaped, session.vault), other_label);
}

TEST(RestoreTest, StreamingRestoreMatchesWholeRestoreAtEverySplit) {
  Session session;
  const std::string redacted = session.redact(kSample + " " + kSample);
  const std::string expected = restore(redacted, session.vault);
  for (std::size_t split = 0; split <= redacted.size(); ++split) {
    RestoreStream stream(session.vault);
    std::string out = stream.feed(std::string_view(redacted).substr(0, split));
    out += stream.feed(std::string_view(redacted).substr(split));
    out += stream.finish();
    ASSERT_EQ(out, expected) << "split at " << split;
  }
  // Byte-by-byte, and the hold-back stays bounded.
  RestoreStream stream(session.vault);
  std::string out;
  for (char c : redacted) {
    out += stream.feed(std::string_view(&c, 1));
  }
  out += stream.finish();
  EXPECT_EQ(out, expected);
}

TEST(RestoreTest, RestoresInsideJsonToolArguments) {
  Session session;
  session.redact("mail wang@example.com, 手机13812345678");
  const auto arguments = nlohmann::json::parse(
      R"({"to":"⟦EMAIL_1⟧","body":"call [PHONE_1] \"now\"","n":3,"list":["EMAIL_1"]})");
  const nlohmann::json restored = restore_json(arguments, session.vault);
  EXPECT_EQ(restored["to"], "wang@example.com");
  EXPECT_EQ(restored["body"], "call 13812345678 \"now\"");
  EXPECT_EQ(restored["n"], 3);
  EXPECT_EQ(restored["list"][0], "wang@example.com");
}

TEST(VaultTest, SavedVaultsAreEncryptedAndAuthenticated) {
  chitin::testing::TempDir dir;
  Session session;
  const std::string redacted = session.redact(kSample);
  auto key = load_or_create_vault_key(dir.path());
  ASSERT_TRUE(key) << key.error().describe();
  const std::string path = dir.file("session.vault");
  ASSERT_TRUE(session.vault.save(path, *key));
  const std::string bytes = chitin::testing::read_text(path);
  EXPECT_EQ(bytes.find("wang@example.com"), std::string::npos);
  EXPECT_EQ(bytes.find("13812345678"), std::string::npos);

  auto loaded = Vault::load(path, *key);
  ASSERT_TRUE(loaded) << loaded.error().describe();
  EXPECT_EQ(restore(redacted, *loaded), kSample);

  VaultKey other = *key;
  other[0] ^= 1;
  auto wrong = Vault::load(path, other);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kIntegrity);

  std::string damaged = bytes;
  damaged[damaged.size() / 2] ^= 0x40;
  chitin::testing::write_text(path, damaged);
  EXPECT_FALSE(Vault::load(path, *key));
  chitin::testing::write_text(path, "not a vault");
  auto garbage = Vault::load(path, *key);
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().message.find("not a Chitin privacy vault"), std::string::npos);

  // The key is created once, 0600, and read back the same.
  auto again = load_or_create_vault_key(dir.path());
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *key);
}

// Vault contents as seal() lays them out (little-endian u64 lengths and numbers).
std::string vault_contents(const std::vector<VaultEntry>& entries) {
  std::string out;
  const auto u64 = [&](std::uint64_t value) {
    for (int i = 0; i < 8; ++i) {
      out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
    }
  };
  u64(entries.size());
  for (const VaultEntry& entry : entries) {
    for (const std::string* field : {&entry.label, &entry.canonical, &entry.original}) {
      if (field == &entry.canonical) {
        u64(entry.number);
      }
      u64(field->size());
      out += *field;
    }
  }
  return out;
}

TEST(VaultTest, LoadedNumbersMustRunInSequencePerLabel) {
  const auto parse = [](const std::vector<VaultEntry>& entries) {
    return Vault::parse_contents(vault_contents(entries), "test.vault");
  };
  auto good = parse({{"PHONE", 1, "1", "1"}, {"EMAIL", 1, "a", "a"}, {"PHONE", 2, "2", "2"}});
  ASSERT_TRUE(good) << good.error().describe();
  ASSERT_NE(good->original("PHONE", 2), nullptr);
  EXPECT_EQ(*good->original("PHONE", 2), "2");
  EXPECT_EQ(good->original("PHONE", 3), nullptr);
  EXPECT_EQ(good->original("PHONE", 0), nullptr);
  EXPECT_EQ(good->original("MAC", 1), nullptr);
  // The next new value of a label continues its sequence.
  auto next = good->placeholder_for("PHONE", "3", "3");
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, format_placeholder("PHONE", 3));

  for (const auto& bad : std::vector<std::vector<VaultEntry>>{
           {{"PHONE", 0, "1", "1"}},
           {{"PHONE", 2, "1", "1"}},
           {{"PHONE", 1, "1", "1"}, {"PHONE", 1, "2", "2"}},
           {{"PHONE", 1, "1", "1"}, {"PHONE", 3, "2", "2"}},
           {{"PHONE", 1, "1", "1"}, {"PHONE", 2, "1", "1"}},
           {{"PHONE", 1, "1", "1"}, {"PHONE", 1ULL << 40, "2", "2"}}}) {
    auto loaded = parse(bad);
    ASSERT_FALSE(loaded) << bad.back().label << "_" << bad.back().number;
    EXPECT_EQ(loaded.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(loaded.error().message.find("test.vault"), std::string::npos)
        << loaded.error().message;
  }
}

TEST(StreamTest, CutsOnLinesAndNeverInsideAnOpenPemBlock) {
  std::string buffer(kStreamBlockBytes - 100, 'a');
  buffer[kStreamBlockBytes / 2 + 10] = '\n';
  buffer += "\n-----BEGIN PRIVATE KEY-----\nMIIE";
  buffer += std::string(500, 'Q');
  const std::size_t cut = stream_cut(buffer);
  EXPECT_LE(cut, buffer.find("-----BEGIN"));
  EXPECT_EQ(buffer[cut - 1], '\n');
  const std::string no_breaks(kStreamBlockBytes + 10, 'x');
  EXPECT_EQ(stream_cut(no_breaks), kStreamBlockBytes);
  // A placeholder-shaped token across the cut moves the cut before it.
  std::string spaced(kStreamBlockBytes + 10, 'x');
  const std::string token = "⟦EMAIL 1⟧";
  spaced.replace(kStreamBlockBytes - 5, token.size(), token);
  spaced[kStreamBlockBytes - 6] = ' ';
  EXPECT_LE(stream_cut(spaced), kStreamBlockBytes - 5);
}

}  // namespace
}  // namespace chitin::privacy
