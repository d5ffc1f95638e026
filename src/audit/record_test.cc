#include "audit/record.h"

#include <gtest/gtest.h>

#include "audit/ocsf.h"
#include "audit/reader.h"
#include "audit/segments.h"
#include "base/encoding.h"

namespace chitin::audit {
namespace {

Event sample_event() {
  return Event{"tool.exec", "agent:main", "telegram:42",
               nlohmann::json{{"argv", {"ls", "-l"}}, {"exit", 0}, {"b", true}}};
}

TEST(RecordTest, EncodesCanonicalLineWithSortedDetailsAndChainFields) {
  auto record = encode_record(7, "2026-11-25T02:14:00.000001Z", sample_event(), kGenesisPrev);
  ASSERT_TRUE(record.has_value()) << record.error().message;
  const std::string expected_prefix =
      R"({"seq":7,"ts":"2026-11-25T02:14:00.000001Z","type":"tool.exec","actor":"agent:main",)"
      R"("session":"telegram:42","details":{"argv":["ls","-l"],"b":true,"exit":0},"prev":")" +
      std::string(64, '0') + R"(","hash":")";
  EXPECT_EQ(record->line.substr(0, expected_prefix.size()), expected_prefix);
  EXPECT_EQ(record->line.back(), '\n');
  EXPECT_EQ(record->line.size(), expected_prefix.size() + 64 + 3);
  EXPECT_EQ(record->line.substr(expected_prefix.size(), 64), hex_encode(record->hash));
}

TEST(RecordTest, HashCoversEveryFieldAndPrev) {
  const auto base = encode_record(1, "2026-11-25T00:00:00Z", sample_event(), kGenesisPrev);
  Hash other_prev{};
  other_prev[0] = 1;
  EXPECT_NE(encode_record(1, "2026-11-25T00:00:00Z", sample_event(), other_prev)->hash, base->hash);
  EXPECT_NE(encode_record(2, "2026-11-25T00:00:00Z", sample_event(), kGenesisPrev)->hash,
            base->hash);
  Event changed = sample_event();
  changed.details["exit"] = 1;
  EXPECT_NE(encode_record(1, "2026-11-25T00:00:00Z", changed, kGenesisPrev)->hash, base->hash);
}

TEST(RecordTest, FrameParseRoundTripsAndDetectsEdits) {
  auto record = encode_record(123, "2026-11-25T00:00:00Z", sample_event(), kGenesisPrev);
  std::string line = record->line.substr(0, record->line.size() - 1);
  auto frame = parse_frame(line);
  ASSERT_TRUE(frame.has_value()) << frame.error().message;
  EXPECT_EQ(frame->seq, 123u);
  EXPECT_EQ(frame->stored_hash, record->hash);
  EXPECT_TRUE(frame->hash_matches());
  line[line.find("ls")] = 'L';
  auto edited = parse_frame(line);
  ASSERT_TRUE(edited.has_value());
  EXPECT_FALSE(edited->hash_matches());
}

TEST(RecordTest, FrameParseRejectsNonRecords) {
  for (const char* bad : {"", "{}", "garbage", R"({"seq":0,"ts":"x"})",
                          R"({"seq":-1,"ts":"2026-11-25T00:00:00Z","type":"a.b"})"}) {
    EXPECT_FALSE(parse_frame(bad).has_value()) << bad;
  }
  auto record = encode_record(1, "2026-11-25T00:00:00Z", sample_event(), kGenesisPrev);
  const std::string line = record->line.substr(0, record->line.size() - 1);
  EXPECT_FALSE(parse_frame(line.substr(0, line.size() - 1)).has_value());  // cut short
  EXPECT_FALSE(parse_frame(std::string(kMaxLineBytes + 1, 'x')).has_value());
}

TEST(RecordTest, ValidatesTypeAndSizes) {
  for (const char* good : {"tool.exec", "auth.fail", "skill.install", "a.b.c", "x1.y_2"}) {
    EXPECT_TRUE(check_event_type(good).has_value()) << good;
  }
  for (const char* bad : {"", "tool", "Tool.exec", "tool.", ".exec", "tool..exec", "tool.exec!",
                          "1tool.exec", "tool.-x"}) {
    EXPECT_FALSE(check_event_type(bad).has_value()) << bad;
  }
  Event big = sample_event();
  big.details["blob"] = std::string(kMaxDetailsBytes, 'x');
  auto too_big = encode_record(1, "2026-11-25T00:00:00Z", big, kGenesisPrev);
  ASSERT_FALSE(too_big.has_value());
  EXPECT_EQ(too_big.error().code, ErrorCode::kLimitExceeded);
  Event not_object = sample_event();
  not_object.details = nlohmann::json::array();
  EXPECT_FALSE(encode_record(1, "2026-11-25T00:00:00Z", not_object, kGenesisPrev).has_value());
}

TEST(RecordTest, CriticalTypes) {
  EXPECT_TRUE(is_critical_type("auth.fail"));
  EXPECT_TRUE(is_critical_type("config.change"));
  EXPECT_TRUE(is_critical_type("skill.install"));
  EXPECT_FALSE(is_critical_type("skill.load"));
  EXPECT_FALSE(is_critical_type("tool.exec"));
  EXPECT_FALSE(is_critical_type("authx.fail"));
}

TEST(RecordTest, RedactsTokensAndPrivateKeysButKeepsTheEvent) {
  const nlohmann::json details{
      {"token", "chtn_gw_abcdef"},
      {"nested", {{"list", {"ok", "-----BEGIN PRIVATE KEY-----\nMII..."}}}},
      {"count", 3}};
  const nlohmann::json redacted = redact_for_audit(details);
  EXPECT_EQ(redacted["token"], "[redacted]");
  EXPECT_EQ(redacted["nested"]["list"][0], "ok");
  EXPECT_EQ(redacted["nested"]["list"][1], "[redacted]");
  EXPECT_EQ(redacted["count"], 3);
  EXPECT_EQ(fingerprint("x").rfind("blake2b:", 0), 0u);
  EXPECT_EQ(fingerprint("x").size(), 8u + 16u);
  EXPECT_EQ(fingerprint("x"), fingerprint("x"));
  EXPECT_NE(fingerprint("x"), fingerprint("y"));
}

TEST(RecordTest, ParsesRfc3339) {
  EXPECT_EQ(*parse_rfc3339_micros("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*parse_rfc3339_micros("1970-01-01T00:00:01.5Z"), 1500000);
  // date -u -d 2026-11-25T02:14:00Z +%s = 1795572840
  EXPECT_EQ(*parse_rfc3339_micros("2026-11-25T02:14:00.123456Z"), 1795572840123456);
  for (const char* bad :
       {"", "2026-11-25", "2026-11-25T02:14:00", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
        "2026-11-25T02:14:00.Z", "2026-11-25T02:14:00.12a4Z", "2026-11-25T02:14:00+08:00"}) {
    EXPECT_FALSE(parse_rfc3339_micros(bad).has_value()) << bad;
  }
  auto now = parse_rfc3339_micros(now_rfc3339());
  EXPECT_TRUE(now.has_value());
}

TEST(RecordTest, FullParseAndFilters) {
  auto record = encode_record(9, "2026-11-25T02:00:00Z", sample_event(), kGenesisPrev);
  auto parsed = parse_record(record->line);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->seq, 9u);
  EXPECT_EQ(parsed->type, "tool.exec");
  EXPECT_EQ(parsed->details["exit"], 0);
  EXPECT_EQ(parsed->hash, hex_encode(record->hash));
  EXPECT_TRUE((RecordFilter{"tool", 0}.matches(*parsed)));
  EXPECT_TRUE((RecordFilter{"tool.exec", 0}.matches(*parsed)));
  EXPECT_FALSE((RecordFilter{"to", 0}.matches(*parsed)));
  EXPECT_FALSE((RecordFilter{"auth", 0}.matches(*parsed)));
  EXPECT_TRUE((RecordFilter{"", *parse_rfc3339_micros("2026-11-25T01:59:59Z")}.matches(*parsed)));
  EXPECT_FALSE((RecordFilter{"", *parse_rfc3339_micros("2026-11-25T02:00:01Z")}.matches(*parsed)));
  EXPECT_FALSE(parse_record("{\"seq\":1}").has_value());
  EXPECT_FALSE(parse_record("not json").has_value());
}

TEST(OcsfTest, MapsClassesAndKeepsTheOriginal) {
  ParsedRecord record;
  record.seq = 3;
  record.ts = "2026-11-25T02:00:00.250Z";
  record.type = "auth.fail";
  record.actor = "gateway:127.0.0.1";
  record.details = {{"reason", "bad token"}};
  record.hash = "ab";
  nlohmann::json event = to_ocsf(record);
  EXPECT_EQ(event["class_uid"], 3002);
  EXPECT_EQ(event["category_uid"], 3);
  EXPECT_EQ(event["type_uid"], 300201);
  EXPECT_EQ(event["status_id"], 2);
  EXPECT_EQ(event["time"], 1795572000250);
  EXPECT_EQ(event["metadata"]["sequence"], 3);
  EXPECT_EQ(event["unmapped"]["details"]["reason"], "bad token");
  record.type = "egress.deny";
  EXPECT_EQ(to_ocsf(record)["type_uid"], 400105);
  record.type = "tool.exec";
  EXPECT_EQ(to_ocsf(record)["class_uid"], 1007);
  record.type = "skill.install";
  EXPECT_EQ(to_ocsf(record)["type_uid"], 600301);
  record.type = "privacy.filter";
  EXPECT_EQ(to_ocsf(record)["class_uid"], 0);
}

TEST(SegmentsTest, CheckpointLineDetection) {
  Event checkpoint{"audit.checkpoint", "chitin", "", nlohmann::json::object()};
  auto line = encode_record(1, "2026-11-25T00:00:00Z", checkpoint, kGenesisPrev);
  EXPECT_TRUE(is_checkpoint_line(line->line));
  Event sneaky{"tool.exec", R"(,"type":"audit.checkpoint",)", "", nlohmann::json::object()};
  EXPECT_FALSE(
      is_checkpoint_line(encode_record(1, "2026-11-25T00:00:00Z", sneaky, kGenesisPrev)->line));
}

}  // namespace
}  // namespace chitin::audit
