#include "secrets/leak_scanner.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace chitin::secrets {
namespace {

const std::string kValue = "sk-live-Zq8+/x9T3kLm2";

LeakScanner scanner() { return LeakScanner({{"openai", kValue}, {"other", "hunter2hunter2"}}); }

std::string encoding_of(std::string_view text) {
  const auto hit = scanner().find(text);
  return hit ? hit->name + ":" + hit->encoding : "none";
}

TEST(LeakScanner, FindsTheValueAsWrittenAndEncoded) {
  EXPECT_EQ(encoding_of("Authorization: Bearer " + kValue), "openai:raw");
  EXPECT_EQ(encoding_of(base64_encode(as_bytes(kValue))), "openai:base64");
  EXPECT_EQ(encoding_of("x-enc: " + hex_encode(as_bytes(kValue))), "openai:hex");
  std::string upper_hex = hex_encode(as_bytes(kValue));
  for (char& c : upper_hex) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  EXPECT_EQ(encoding_of(upper_hex), "openai:hex");
  EXPECT_EQ(encoding_of("q=sk-live-Zq8%2B%2Fx9T3kLm2&x=1"), "openai:percent");
  EXPECT_EQ(encoding_of("q=%73k-live-Zq8%2b%2fx9T3kLm2"), "openai:percent");
  EXPECT_EQ(encoding_of(R"({"k":"sk-live-Zq8+\/x9T3kLm2"})"), "openai:json");
  EXPECT_EQ(encoding_of("sk-live-Zq8+/x9 T3kL\nm2"), "openai:split");
  EXPECT_EQ(encoding_of("nothing to see sk-live-Zq8+/x9T3kLm"), "none");
}

TEST(LeakScanner, FindsTheValueInsideALargerBase64BlobAtEveryAlignment) {
  for (const std::string& prefix :
       {std::string("user:"), std::string("user1:"), std::string("user12:"), std::string("")}) {
    const std::string blob = prefix + kValue + ":suffix";
    const std::string basic = "Basic " + base64_encode(as_bytes(blob));
    EXPECT_EQ(encoding_of(basic), "openai:base64") << prefix;
    std::string url = base64_encode(as_bytes(blob), Base64Variant::kUrlNoPadding);
    EXPECT_NE(encoding_of(url), "none") << prefix;
  }
}

TEST(LeakScanner, EncodingsAreFoundThroughWrappingAndReEncoding) {
  // At a 3-byte group boundary "?\?>" (two question marks and '>') encodes as "Pz8+".
  const std::string long_value = "sk-proj-" + std::string(151, 'Q') + "?\?>?\?>?\?>";
  const LeakScanner leaks({{"long", long_value}});
  // coreutils base64 wraps at 76 columns.
  std::string wrapped = base64_encode(as_bytes(long_value));
  for (std::size_t at = 76; at < wrapped.size(); at += 77) {
    wrapped.insert(at, "\n");
  }
  EXPECT_EQ(leaks.find("data=" + wrapped)->encoding, "base64, split");
  // Base64 percent-encoded (a query string), and a value percent-encoded twice.
  std::string b64 = base64_encode(as_bytes(long_value));
  std::string query;
  for (const char c : b64) {
    query += c == '+' ? "%2B" : c == '/' ? "%2F" : c == '=' ? "%3D" : std::string(1, c);
  }
  ASSERT_NE(query.find("%2B"), std::string::npos);
  EXPECT_EQ(leaks.find("?q=" + query)->encoding, "base64, percent");
  EXPECT_EQ(encoding_of("k=sk-live-Zq8%252B%252Fx9T3kLm2"), "openai:percent");
  // JSON with escaped line breaks inside base64 (as an API returns stored content).
  std::string json_wrapped = base64_encode(as_bytes(long_value));
  json_wrapped.insert(60, "\\n");
  EXPECT_NE(leaks.find("{\"content\":\"" + json_wrapped + "\"}"), std::nullopt);
  EXPECT_EQ(leaks.find("{\"content\":\"" + std::string(200, 'Q') + "\"}"), std::nullopt);
}

TEST(LeakScanner, RedactsEveryOccurrence) {
  const std::string text = "a " + kValue + " b " + base64_encode(as_bytes(kValue)) + " c";
  const std::string redacted = scanner().redact(text);
  EXPECT_EQ(redacted, "a [secret openai redacted] b [secret openai redacted] c");
  EXPECT_EQ(scanner().redact("clean"), "clean");
  EXPECT_EQ(scanner().redact("x hunter2 hunter2 y"), "x [secret other redacted] y");
  EXPECT_TRUE(LeakScanner().empty());
  EXPECT_FALSE(LeakScanner().find("anything"));
}

TEST(LeakScanner, StreamMaskingKeepsLengthsAndCatchesValuesSplitAcrossChunks) {
  const LeakScanner leaks({{"openai", kValue}});
  const std::string body =
      "{\"echo\":\"" + kValue + "\",\"b64\":\"" + base64_encode(as_bytes(kValue)) + "\"}";
  for (std::size_t chunk = 1; chunk <= body.size(); chunk += 3) {
    StreamMasker masker(&leaks);
    std::string out;
    for (std::size_t at = 0; at < body.size(); at += chunk) {
      out += masker.feed(std::string_view(body).substr(at, chunk));
    }
    out += masker.finish();
    ASSERT_EQ(out.size(), body.size()) << chunk;
    EXPECT_FALSE(leaks.find(out)) << out;
    EXPECT_EQ(out.find(kValue.substr(0, 8)), std::string::npos) << out;
    EXPECT_TRUE(out.starts_with("{\"echo\":\"*****")) << out;
  }
  StreamMasker none(nullptr);
  EXPECT_EQ(none.feed("abc"), "abc");
}

}  // namespace
}  // namespace chitin::secrets
