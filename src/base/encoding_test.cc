#include "base/encoding.h"

#include <gtest/gtest.h>

namespace chitin {
namespace {

TEST(HexTest, RoundTripsAndRejectsBadInput) {
  const Bytes data = {0x00, 0x01, 0xAB, 0xFF};
  EXPECT_EQ(hex_encode(data), "0001abff");
  EXPECT_EQ(*hex_decode("0001ABff"), data);
  EXPECT_TRUE(hex_decode("").has_value());
  auto odd = hex_decode("abc");
  ASSERT_FALSE(odd.has_value());
  EXPECT_NE(odd.error().message.find("odd length"), std::string::npos);
  auto bad = hex_decode("0g");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("offset 1"), std::string::npos);
}

// RFC 4648 §10 test vectors.
TEST(Base64Test, MatchesRfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {{"", ""},
                                                                   {"f", "Zg=="},
                                                                   {"fo", "Zm8="},
                                                                   {"foo", "Zm9v"},
                                                                   {"foob", "Zm9vYg=="},
                                                                   {"fooba", "Zm9vYmE="},
                                                                   {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(as_bytes(plain)), encoded);
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(as_chars(*decoded), plain);
  }
}

TEST(Base64Test, UrlVariantHasNoPaddingAndUrlAlphabet) {
  const Bytes data = {0xFB, 0xFF, 0xBF};
  EXPECT_EQ(base64_encode(data), "+/+/");
  EXPECT_EQ(base64_encode(data, Base64Variant::kUrlNoPadding), "-_-_");
  EXPECT_EQ(base64_encode(as_bytes("f"), Base64Variant::kUrlNoPadding), "Zg");
  EXPECT_EQ(as_chars(*base64_decode("Zg", Base64Variant::kUrlNoPadding)), "f");
}

TEST(Base64Test, RejectsMalformedText) {
  EXPECT_FALSE(base64_decode("Zg=").has_value());     // bad length
  EXPECT_FALSE(base64_decode("Z===").has_value());    // too much padding
  EXPECT_FALSE(base64_decode("Zg=a").has_value());    // padding in the middle
  EXPECT_FALSE(base64_decode("Zm9v\n").has_value());  // stray whitespace
  EXPECT_FALSE(base64_decode("Zh==").has_value());    // non-canonical pad bits
  EXPECT_FALSE(base64_decode("-_-_").has_value());    // URL alphabet in standard text
  EXPECT_FALSE(base64_decode("Z", Base64Variant::kUrlNoPadding).has_value());
  EXPECT_FALSE(base64_decode("Zg==", Base64Variant::kUrlNoPadding).has_value());
}

TEST(Utf8Test, AcceptsWellFormedAndRejectsOverlongsSurrogatesAndTruncation) {
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("\xE4\xB8\xAD\xE6\x96\x87"));  // 中文
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x90\x9A"));          // U+1F41A
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));                 // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));             // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));             // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));         // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE4\xB8"));                 // truncated
  EXPECT_FALSE(is_valid_utf8("\x80"));                     // lone continuation
}

}  // namespace
}  // namespace chitin
