#include "config/toml.h"

#include <gtest/gtest.h>

namespace chitin::config::toml {
namespace {

Document parse_ok(std::string_view text) {
  auto document = parse(text, "t.toml");
  EXPECT_TRUE(document.has_value()) << (document ? "" : document.error().message);
  return document ? *document : Document{};
}

std::string parse_error(std::string_view text) {
  auto document = parse(text, "t.toml");
  EXPECT_FALSE(document.has_value()) << "expected an error for: " << text;
  return document ? std::string() : document.error().message;
}

TEST(TomlTest, ParsesTablesKeysAndEveryValueKind) {
  const Document d = parse_ok(R"(top = 1
# comment
[gateway]   # trailing comment
bind = "127.0.0.1"
port = 18_790
"quoted key" = 'C:\path'
flag = true
off = false
neg = -42
ratio = 1.5
when = 2026-11-25T02:14:00Z
list = [
  "a",  # comment inside
  "b",
]
nested = [[1, 2], ["x"]]
[models . default]
x = ""
)");
  ASSERT_EQ(d.tables.size(), 3u);
  EXPECT_EQ(d.tables[0].entries[0].key, "top");
  const Table& g = d.tables[1];
  EXPECT_EQ(g.name, "gateway");
  EXPECT_EQ(g.position.line, 3);
  EXPECT_EQ(g.position.column, 2);
  EXPECT_EQ(g.entries[0].value.string, "127.0.0.1");
  EXPECT_EQ(g.entries[1].value.integer, 18790);
  EXPECT_EQ(g.entries[2].key, "quoted key");
  EXPECT_EQ(g.entries[2].value.string, "C:\\path");
  EXPECT_TRUE(g.entries[3].value.boolean);
  EXPECT_EQ(g.entries[4].value.kind, Value::Kind::kBoolean);
  EXPECT_FALSE(g.entries[4].value.boolean);
  EXPECT_EQ(g.entries[5].value.integer, -42);
  EXPECT_EQ(g.entries[6].value.kind, Value::Kind::kFloat);
  EXPECT_EQ(g.entries[7].value.kind, Value::Kind::kDateTime);
  ASSERT_EQ(g.entries[8].value.items.size(), 2u);
  EXPECT_EQ(g.entries[8].value.items[1].string, "b");
  EXPECT_EQ(g.entries[8].value.items[1].position.line, 14);
  EXPECT_EQ(g.entries[9].value.items[0].items[1].integer, 2);
  EXPECT_EQ(d.tables[2].name, "models.default");
}

TEST(TomlTest, DecodesEscapes) {
  const Document d = parse_ok(R"(s = "a\tb\n\"q\" \\ \u00e9 \U0001F41A")");
  EXPECT_EQ(d.tables[0].entries[0].value.string, "a\tb\n\"q\" \\ \xc3\xa9 \xf0\x9f\x90\x9a");
}

TEST(TomlTest, HandlesCrLfAndNoFinalNewline) {
  const Document d = parse_ok("[a]\r\nx = 1\r\ny = 2");
  EXPECT_EQ(d.tables[1].entries.size(), 2u);
  EXPECT_EQ(d.tables[1].entries[1].key_position.line, 3);
}

TEST(TomlTest, RejectsWhatChitinTomlDoesNotUseWithAReason) {
  EXPECT_NE(parse_error("a = {b = 1}").find("inline tables"), std::string::npos);
  EXPECT_NE(parse_error("[[a]]").find("arrays of tables"), std::string::npos);
  EXPECT_NE(parse_error("a.b = 1").find("dotted keys"), std::string::npos);
  EXPECT_NE(parse_error("a = \"\"\"x\"\"\"").find("multi-line strings"), std::string::npos);
  EXPECT_NE(parse_error("a = 0x10").find("only decimal integers"), std::string::npos);
}

TEST(TomlTest, RejectsMalformedInputWithLineAndColumn) {
  EXPECT_EQ(parse_error("a = 1\nb = = 2"),
            "t.toml:2:5: TOML syntax error: '=' does not start a value (strings need quotes)");
  EXPECT_EQ(parse_error("a = \"open"),
            "t.toml:1:5: TOML syntax error: string is not closed with '\"' on the same line");
  EXPECT_EQ(parse_error("a = 1 b = 2"),
            "t.toml:1:7: TOML syntax error: unexpected 'b' after the value; start a new line");
  EXPECT_EQ(parse_error("a = 1\na = 2"),
            "t.toml:2:1: TOML syntax error: key 'a' is defined twice (first on line 1); keep one");
  EXPECT_NE(parse_error("[x]\n[x]").find("table [x] is defined twice"), std::string::npos);
  EXPECT_NE(parse_error("a = bare").find("strings need quotes"), std::string::npos);
  EXPECT_NE(parse_error("a =").find("expected a value"), std::string::npos);
  EXPECT_NE(parse_error("a = [1, 2").find("not closed"), std::string::npos);
  EXPECT_NE(parse_error("a = [1 2]").find("expected ',' or ']'"), std::string::npos);
  EXPECT_NE(parse_error("[a").find("expected ']'"), std::string::npos);
  EXPECT_NE(parse_error("a = \"\\x\"").find("unknown escape"), std::string::npos);
  EXPECT_NE(parse_error("a = \"\\uD800\"").find("Unicode scalar"), std::string::npos);
  EXPECT_NE(parse_error("a = 99999999999999999999").find("64-bit"), std::string::npos);
  EXPECT_NE(parse_error("a = 012").find("leading zeros"), std::string::npos);
  EXPECT_NE(parse_error("a = 1__0").find("not a number"), std::string::npos);
  EXPECT_NE(parse_error("a = 1_").find("not a number"), std::string::npos);
  EXPECT_NE(parse_error("a = 1.").find("not a number"), std::string::npos);
  EXPECT_NE(parse_error("= 1").find("expected a key"), std::string::npos);
  EXPECT_NE(parse_error("a = [[[[[[[[[1]]]]]]]]]").find("nested deeper"), std::string::npos);
}

}  // namespace
}  // namespace chitin::config::toml
