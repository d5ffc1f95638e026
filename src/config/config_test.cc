#include "config/config.h"

#include <gtest/gtest.h>

#include "config/schema.h"
#include "support/temp_dir.h"

namespace chitin::config {
namespace {

std::string error_of(std::string_view text) {
  auto config = parse_config(text, "test.toml");
  EXPECT_FALSE(config.has_value()) << "expected an error for:\n" << text;
  return config ? std::string() : config.error().message;
}

TEST(ConfigTest, EmptyFileGivesSecureDefaults) {
  auto config = parse_config("", "empty.toml");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->gateway.bind, "127.0.0.1");
  EXPECT_EQ(config->gateway.port, 18790);
  EXPECT_TRUE(config->egress.allow.empty());
  EXPECT_TRUE(dangerous_settings(*config).empty());
}

TEST(ConfigTest, ReadsEveryTypeOfValue) {
  auto config = parse_config(R"(
[gateway]
port = 9000
[log]
level = "debug"
[egress]
allow = ["api.github.com", "*.githubusercontent.com:443"]
dangerously_allow_private_addresses = true
[sandbox]
memory_mb = 2048
)",
                             "t.toml");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->gateway.port, 9000);
  EXPECT_EQ(config->log.level, "debug");
  EXPECT_EQ(config->egress.allow,
            (std::vector<std::string>{"api.github.com", "*.githubusercontent.com:443"}));
  EXPECT_EQ(config->sandbox.memory_mb, 2048);
  EXPECT_EQ(dangerous_settings(*config),
            std::vector<std::string>{"egress.dangerously_allow_private_addresses"});
}

TEST(ConfigTest, UnknownKeyNamesFileLineKeyAndSuggestsTheRightOne) {
  EXPECT_EQ(error_of("[gateway]\n\nprot = 80\n"),
            "test.toml:3:1: key 'gateway.prot': unknown key (did you mean 'port'?); see "
            "docs/config.md for the keys of [gateway]");
}

TEST(ConfigTest, UnknownSectionAndTopLevelKeyAreErrors) {
  EXPECT_NE(error_of("[gatway]\nport = 1\n")
                .find("test.toml:1:2: key 'gatway': unknown section "
                      "or key (did you mean 'gateway'?)"),
            std::string::npos);
  EXPECT_NE(error_of("enabled = false\n").find("test.toml:1:1: key 'enabled': unknown"),
            std::string::npos);
  // There is no switch to turn auditing off.
  EXPECT_NE(error_of("[audit]\nenabled = false\n").find("key 'audit.enabled': unknown key"),
            std::string::npos);
}

TEST(ConfigTest, BadTypeNamesFileLineAndExpectedType) {
  EXPECT_EQ(error_of("[gateway]\nport = \"80\"\n"),
            "test.toml:2:8: key 'gateway.port': expected integer 1..65535, got a string");
  EXPECT_EQ(error_of("[egress]\ndangerously_allow_private_addresses = 1\n"),
            "test.toml:2:39: key 'egress.dangerously_allow_private_addresses': expected boolean, "
            "got an "
            "integer");
  EXPECT_EQ(error_of("[gateway]\nport = 1.5\n"),
            "test.toml:2:8: key 'gateway.port': expected integer 1..65535, got a floating-point "
            "number");
  EXPECT_EQ(error_of("gateway = 3\n"),
            "test.toml:1:11: key 'gateway': expected a table ([gateway]), got an integer");
  EXPECT_NE(error_of("[egress]\nallow = [\"a.com\", 3]\n").find("every item must be a string"),
            std::string::npos);
}

TEST(ConfigTest, OutOfRangeValuesAreErrors) {
  EXPECT_EQ(error_of("[gateway]\nport = 70000\n"),
            "test.toml:2:8: key 'gateway.port': 70000 is out of range; use 1..65535");
  EXPECT_NE(error_of("[gateway]\nport = 0\n").find("out of range"), std::string::npos);
  EXPECT_NE(error_of("[audit]\nflush_interval_ms = 0\n").find("out of range"), std::string::npos);
  EXPECT_NE(error_of("[log]\nlevel = \"verbose\"\n")
                .find("'verbose' is not allowed; use one of debug|info|warn|error"),
            std::string::npos);
}

TEST(ConfigTest, SyntaxErrorsCarryLineAndColumn) {
  const std::string error = error_of("[gateway]\nport = = 1\n");
  EXPECT_EQ(error.rfind("test.toml:2:", 0), 0u) << error;
  EXPECT_NE(error.find("TOML syntax error"), std::string::npos);
  EXPECT_EQ(error_of("[gateway]\nport = 1\nport = 2\n").rfind("test.toml:3:", 0), 0u);
}

TEST(ConfigTest, RejectsControlCharactersAndInvalidUtf8WithPosition) {
  EXPECT_EQ(error_of(std::string("[\0\0\0\x06y", 6)),
            "test.toml:1:2: control character 0x00 is not allowed in TOML; remove it");
  EXPECT_EQ(error_of("[log]\nlevel = \"\xff\"\n"),
            "test.toml:2:10: invalid UTF-8 (byte 0xff); save the file as UTF-8");
  EXPECT_TRUE(parse_config("# \xe4\xb8\xad\xe6\x96\x87\r\n[log]\n\tlevel = \"info\"\n", "t.toml"));
}

TEST(ConfigTest, ReportsEveryProblemOnItsOwnLine) {
  const std::string error = error_of("[gateway]\nport = 0\nprot = 1\n[log]\nlevel = 3\n");
  EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 2) << error;
  EXPECT_NE(error.find("test.toml:2:"), std::string::npos);
  EXPECT_NE(error.find("test.toml:3:"), std::string::npos);
  EXPECT_NE(error.find("test.toml:5:"), std::string::npos);
}

TEST(ConfigTest, CapsTheNumberOfReportedProblems) {
  std::string text = "[gateway]\n";
  for (int i = 0; i < 50; ++i) {
    text += "unknown" + std::to_string(i) + " = 1\n";
  }
  const std::string error = error_of(text);
  EXPECT_EQ(static_cast<std::size_t>(std::count(error.begin(), error.end(), '\n')),
            kMaxReportedProblems);
  EXPECT_NE(error.find("more problems not shown"), std::string::npos);
}

TEST(ConfigTest, NonLoopbackBindRequiresTls) {
  const std::string error = error_of("[gateway]\nbind = \"0.0.0.0\"\n");
  EXPECT_NE(error.find("test.toml:2:8: key 'gateway.bind': '0.0.0.0' is not a loopback address"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("set gateway.tls_cert and gateway.tls_key"), std::string::npos);
  EXPECT_NE(error_of("[gateway]\ntls_cert = \"/etc/c.pem\"\n").find("must be set together"),
            std::string::npos);
  auto with_tls = parse_config(
      "[gateway]\nbind = \"0.0.0.0\"\ntls_cert = \"/c.pem\"\ntls_key = \"/k.pem\"\n", "t.toml");
  EXPECT_TRUE(with_tls.has_value());
  EXPECT_TRUE(parse_config("[gateway]\nbind = \"::1\"\n", "t.toml").has_value());
  EXPECT_TRUE(parse_config("[gateway]\nbind = \"127.0.0.2\"\n", "t.toml").has_value());
}

TEST(ConfigTest, BindMustBeAnIpLiteral) {
  EXPECT_NE(error_of("[gateway]\nbind = \"localhost\"\n").find("is not an IP address"),
            std::string::npos);
  EXPECT_NE(error_of("[gateway]\ntls_cert = \"cert.pem\"\ntls_key = \"/k\"\n")
                .find("is not an absolute path"),
            std::string::npos);
}

TEST(ConfigTest, EgressPatternsAreStrict) {
  for (const char* good : {"api.github.com", "*.example.com", "example.com:443", "10.0.0.1:80",
                           "[::1]:8080", "a-b.c0m"}) {
    EXPECT_TRUE(check_host_pattern(good).has_value()) << good;
  }
  for (const char* bad :
       {"*", "*:443", "", "a.*.com", "ex ample.com", "Example.com", "-a.com", "a..com",
        "a.com:", "a.com:0", "a.com:99999", "[::1", "[nope]:1", "http://a.com"}) {
    EXPECT_FALSE(check_host_pattern(bad).has_value()) << bad;
  }
  EXPECT_NE(error_of("[egress]\nallow = [\"a.com\", \"a.com\"]\n").find("listed twice"),
            std::string::npos);
}

TEST(ConfigTest, RenderedConfigParsesBackToTheSameValues) {
  auto config = parse_config(R"([gateway]
port = 1234
[egress]
allow = ["a.example.com", "*.b.example.com:8443"]
[privacy]
dangerously_disable_model_filter = true
)",
                             "t.toml");
  ASSERT_TRUE(config.has_value());
  for (bool comments : {false, true}) {
    const std::string text = render_config(*config, comments);
    auto again = parse_config(text, "rendered.toml");
    ASSERT_TRUE(again.has_value()) << again.error().message << "\n" << text;
    EXPECT_EQ(render_config(*again, false), render_config(*config, false));
  }
}

TEST(ConfigTest, LoadConfigBoundsFileSizeAndReportsMissingFiles) {
  chitin::testing::TempDir dir;
  chitin::testing::write_text(dir.file("big.toml"), std::string(kMaxConfigBytes + 1, '#'));
  auto big = load_config(dir.file("big.toml"));
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code, ErrorCode::kLimitExceeded);
  auto missing = load_config(dir.file("none.toml"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(ConfigSchemaTest, EveryKeyIsDocumentedInDocsConfigMd) {
  const std::string doc = chitin::testing::read_text(CHITIN_SOURCE_DIR "/docs/config.md");
  ASSERT_FALSE(doc.empty());
  for (const KeySpec& spec : key_specs()) {
    EXPECT_NE(doc.find("`" + std::string(spec.key) + "`"), std::string::npos)
        << spec.key << " is missing from docs/config.md";
    EXPECT_FALSE(spec.doc.empty()) << spec.key;
  }
}

}  // namespace
}  // namespace chitin::config

namespace chitin::config {
namespace {

TEST(ConfigModels, ModelTablesAreReadAndRenderedBack) {
  auto config = parse_config(R"([models.default]
provider = "openai"
base_url = "http://127.0.0.1:8080/v1"
model = "qwen2.5"

[models.claude]
provider = "anthropic"
base_url = "https://api.anthropic.com"
model = "claude-sonnet"
api_key_secret = "anthropic"
max_tokens = 8192
timeout_s = 60
)",
                             "m.toml");
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_EQ(config->models.size(), 2U);
  EXPECT_EQ(config->models.at("default").provider, "openai");
  EXPECT_EQ(config->models.at("default").api_key_secret, "");
  EXPECT_EQ(config->models.at("default").max_tokens, 4096);
  EXPECT_EQ(config->models.at("claude").api_key_secret, "anthropic");
  EXPECT_EQ(config->models.at("claude").timeout_s, 60);
  auto again = parse_config(render_config(*config, true), "rendered.toml");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->models.at("claude").max_tokens, 8192);
  // A fresh file explains how to add one.
  EXPECT_NE(render_config(Config{}, true).find("# [models.default]"), std::string::npos);
}

TEST(ConfigModels, BadModelTablesSayWhatToFix) {
  const auto error_of = [](const std::string& text) {
    auto config = parse_config(text, "m.toml");
    EXPECT_FALSE(config) << text;
    return config ? std::string() : config.error().message;
  };
  EXPECT_NE(error_of("[models.default]\nprovider = \"openai\"\nmodel = \"x\"\n")
                .find("'base_url' is required"),
            std::string::npos);
  EXPECT_NE(error_of("[models.default]\nprovider = \"gemini\"\nbase_url = \"https://a\"\n"
                     "model = \"x\"\n")
                .find("not a provider"),
            std::string::npos);
  EXPECT_NE(error_of("[models.default]\nprovider = \"openai\"\nbase_url = "
                     "\"http://api.example.com/v1\"\nmodel = \"x\"\n")
                .find("unencrypted"),
            std::string::npos);
  EXPECT_NE(error_of("[models.default]\nprovider = \"openai\"\nbase_url = \"https://a/v1\"\n"
                     "model = \"x\"\napi_key_secret = \"sk-live abc\"\n")
                .find("never the key itself"),
            std::string::npos);
  EXPECT_NE(error_of("[models.default]\nprovder = \"openai\"\n").find("did you mean 'provider'"),
            std::string::npos);
  EXPECT_NE(error_of("[models.Bad]\nprovider = \"openai\"\n").find("a model name"),
            std::string::npos);
  EXPECT_NE(error_of("[models.default]\nprovider = \"openai\"\nbase_url = \"https://a\"\n"
                     "model = \"x\"\nmax_tokens = 0\n")
                .find("1..1000000"),
            std::string::npos);
  EXPECT_NE(error_of("[models.default]\nprovider = \"openai\"\nbase_url = \"ftp://a\"\n"
                     "model = \"x\"\n")
                .find("https://"),
            std::string::npos);
}

}  // namespace
TEST(RedactUrl, DropsUserinfoQueryAndFragment) {
  EXPECT_EQ(redact_url("https://u:p@h.example/x?key=1"), "https://h.example/x?…");
  EXPECT_EQ(redact_url("ws://h:3000/devtools#tok"), "ws://h:3000/devtools?…");
  EXPECT_EQ(redact_url("https://h/a@b"), "https://h/a@b");
  EXPECT_EQ(redact_url("git+https://user:tok@github.com/o/r.git"),
            "git+https://github.com/o/r.git");
  EXPECT_EQ(redact_url("plain"), "plain");
  EXPECT_FALSE(check_model_url("https://api.example.com/v1?key=SECRET").has_value());
  EXPECT_EQ(check_model_url("https://api.example.com/v1?key=SECRET").error().message.find("SECRET"),
            std::string::npos);
  EXPECT_EQ(check_model_url("https://me:SECRET@api.example.com/v1").error().message.find("SECRET"),
            std::string::npos);
}

}  // namespace chitin::config
