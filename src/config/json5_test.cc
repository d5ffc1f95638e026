#include "config/json5.h"

#include <gtest/gtest.h>

namespace chitin::config {
namespace {

nlohmann::json parse_ok(std::string_view text) {
  auto value = parse_json5(text, "t.json5");
  EXPECT_TRUE(value.has_value()) << value.error().message;
  return value.value_or(nlohmann::json());
}

std::string json5_error_of(std::string_view text) {
  auto value = parse_json5(text, "t.json5");
  EXPECT_FALSE(value.has_value()) << text;
  return value ? std::string() : value.error().message;
}

TEST(Json5, ReadsAnOpenClawStyleConfig) {
  const auto config = parse_ok(R"(// openclaw.json
{
  gateway: {
    port: 18789,
    bind: 'lan',          /* exposed! */
    auth: { mode: "token", token: 'abc\
def' },
    trustedProxies: ['10.0.0.1',],
  },
  $schema: "x", _private: +1, ratio: .5, big: 5., hex: 0xFF, neg: -0x10,
  exp: 1e3, inf: Infinity, ninf: -Infinity, nan: NaN,
  "quoted key": "tab\there \u00e9 \x41 \uD83D\uDE00 \' \"",
  nested: [[], {}, null, true, false],
}
)");
  EXPECT_EQ(config["gateway"]["port"], 18789);
  EXPECT_EQ(config["gateway"]["bind"], "lan");
  EXPECT_EQ(config["gateway"]["auth"]["token"], "abcdef");
  EXPECT_EQ(config["gateway"]["trustedProxies"].size(), 1U);
  EXPECT_EQ(config["$schema"], "x");
  EXPECT_EQ(config["_private"], 1);
  EXPECT_DOUBLE_EQ(config["ratio"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(config["big"].get<double>(), 5.0);
  EXPECT_EQ(config["hex"], 255);
  EXPECT_EQ(config["neg"], -16);
  EXPECT_DOUBLE_EQ(config["exp"].get<double>(), 1000.0);
  EXPECT_EQ(config["inf"], "Infinity");
  EXPECT_EQ(config["ninf"], "-Infinity");
  EXPECT_EQ(config["nan"], "NaN");
  EXPECT_EQ(config["quoted key"], "tab\there \xC3\xA9 A \xF0\x9F\x98\x80 ' \"");
  EXPECT_EQ(config["nested"].size(), 5U);
  EXPECT_EQ(parse_ok("\xEF\xBB\xBF[1]")[0], 1);  // byte-order mark
  EXPECT_EQ(parse_ok("'x'"), "x");
}

TEST(Json5, ErrorsSayWhereAndWhat) {
  EXPECT_EQ(json5_error_of("{\n  a: 1\n  b: 2\n}"), "t.json5:3:3: expected ',' or '}'");
  EXPECT_EQ(json5_error_of("{a: 1"), "t.json5:1:6: unterminated object: expected '}'");
  EXPECT_NE(json5_error_of("[1, 2").find("unterminated array"), std::string::npos);
  EXPECT_NE(json5_error_of("'abc").find("unterminated string"), std::string::npos);
  EXPECT_NE(json5_error_of("'a\nb'").find("line break inside a string"), std::string::npos);
  EXPECT_NE(json5_error_of("/* open").find("unterminated /* comment"), std::string::npos);
  EXPECT_NE(json5_error_of("012").find("leading zeros"), std::string::npos);
  EXPECT_NE(json5_error_of("1e").find("exponent"), std::string::npos);
  EXPECT_NE(json5_error_of("0x").find("hexadecimal digits"), std::string::npos);
  EXPECT_NE(json5_error_of("0x1FFFFFFFFFFFFFFFFF").find("too large"), std::string::npos);
  EXPECT_NE(json5_error_of("1e999").find("out of range"), std::string::npos);
  EXPECT_NE(json5_error_of("'\\uD800'").find("surrogate"), std::string::npos);
  EXPECT_NE(json5_error_of("'\\01'").find("octal"), std::string::npos);
  EXPECT_NE(json5_error_of("'\xFF'").find("UTF-8"), std::string::npos);
  EXPECT_NE(json5_error_of("{a:1} x").find("after the value"), std::string::npos);
  EXPECT_NE(json5_error_of("").find("end of the input"), std::string::npos);
  EXPECT_NE(json5_error_of("{a b}").find("expected ':'"), std::string::npos);
  EXPECT_NE(json5_error_of("@").find("unexpected character"), std::string::npos);
  EXPECT_NE(json5_error_of(".").find("expected a number"), std::string::npos);
  EXPECT_NE(json5_error_of("truex").find("unexpected character"), std::string::npos);
  EXPECT_NE(json5_error_of(std::string(100, '[') + std::string(100, ']')).find("deeper than 64"),
            std::string::npos);
  EXPECT_NE(
      parse_json5(std::string(kMaxJson5Bytes + 1, ' '), "t").error().message.find("larger than"),
      std::string::npos);
}

}  // namespace
}  // namespace chitin::config
