#include "tools/web_fetch.h"

#include <gtest/gtest.h>

#include "support/audit_fixture.h"
#include "support/http_server.h"

namespace chitin::tools {
namespace {

TEST(WebFetch, RobotsTxtIsHonouredForChitinOrEveryone) {
  const std::string robots =
      "User-agent: *\nDisallow: /private\nAllow: /private/ok\n\n"
      "User-agent: GPTBot\nDisallow: /\n";
  EXPECT_TRUE(robots_allows(robots, "/"));
  EXPECT_FALSE(robots_allows(robots, "/private/x"));
  EXPECT_TRUE(robots_allows(robots, "/private/ok/page"));
  const std::string ours = "User-agent: *\nDisallow:\n\nUser-agent: Chitin\nDisallow: /\n";
  EXPECT_FALSE(robots_allows(ours, "/anything"));
  EXPECT_TRUE(robots_allows("", "/x"));
  EXPECT_TRUE(robots_allows("<html>not robots</html>", "/x"));
  EXPECT_FALSE(robots_allows("User-agent: *\nDisallow: /*.pdf$\n", "/a.pdf"));
  EXPECT_TRUE(robots_allows("User-agent: *\nDisallow: /a$\n", "/ab"));
}

TEST(WebFetch, HtmlBecomesItsVisibleText) {
  const std::string text = html_to_text(
      "<html><head><style>body{}</style><script>alert('x')</script></head><body>"
      "<h1>Title</h1><p>Fish &amp; chips</p><!-- hidden --><div>Line   two</div></body></html>");
  EXPECT_EQ(text.find("alert"), std::string::npos);
  EXPECT_EQ(text.find("body{}"), std::string::npos);
  EXPECT_EQ(text.find("hidden"), std::string::npos);
  EXPECT_NE(text.find("Title"), std::string::npos);
  EXPECT_NE(text.find("Fish & chips"), std::string::npos);
  EXPECT_NE(text.find("Line two"), std::string::npos);
}

TEST(WebFetch, UrlsAreReadStrictly) {
  auto url = parse_fetch_url("https://Example.ORG:8443/a/b?q=1#frag");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->host, "example.org");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->path, "/a/b?q=1");
  EXPECT_EQ(parse_fetch_url("http://h")->path, "/");
  for (const char* bad :
       {"ftp://h/", "http://u:p@h/", "http://h:0/", "http://h:/", "http://[::1", "http://[::1]x/",
        "http:///x", "http://a\x1b[2Jb/", "http://a b/", "http://h\n.x/"}) {
    EXPECT_FALSE(parse_fetch_url(bad).has_value()) << bad;
  }
}

TEST(WebFetch, FetchesOnlyThroughTheProxyAndOnlyAllowedHosts) {
  chitin::testing::LoopbackHttpServer server(
      "<html><body><p>Hello from the page</p></body></html>");
  chitin::testing::AuditFixture audit;
  auto log = audit.open();
  FetchSetup setup;
  setup.audit = log.get();
  const std::string literal = "127.0.0.1:" + std::to_string(server.port());
  setup.rules = *egress::parse_rules({literal});
  setup.timeout = std::chrono::seconds(10);
  auto fetched = web_fetch("http://" + literal + "/page", setup);
  ASSERT_TRUE(fetched.has_value()) << fetched.error().describe();
  EXPECT_EQ(fetched->status, 200);
  EXPECT_NE(fetched->text.find("Hello from the page"), std::string::npos);
  const std::string request = server.last_request();
  EXPECT_NE(request.find("User-Agent: Chitin/"), std::string::npos) << request;
  EXPECT_EQ(request.find("Mozilla"), std::string::npos);

  // Not on the rules: refused before anything leaves.
  setup.rules.clear();
  auto refused = web_fetch("http://" + literal + "/page", setup);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermission);
  // A name resolving to loopback never counts, even when named.
  setup.rules = *egress::parse_rules({"localhost:" + std::to_string(server.port())});
  auto local = web_fetch("http://localhost:" + std::to_string(server.port()) + "/", setup);
  ASSERT_FALSE(local.has_value());
  EXPECT_NE(local.error().message.find("refused by the egress proxy"), std::string::npos)
      << local.error().message;
  const auto types = chitin::testing::audit_record_types(*log, audit.dir());
  EXPECT_NE(std::find(types.begin(), types.end(), "egress.allow"), types.end());
  EXPECT_NE(std::find(types.begin(), types.end(), "egress.deny"), types.end());
}

}  // namespace
}  // namespace chitin::tools
