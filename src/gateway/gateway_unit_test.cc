#include <gtest/gtest.h>

#include "gateway/auth.h"
#include "gateway/context.h"
#include "gateway/http_rules.h"
#include "gateway/scopes.h"
#include "gateway/server.h"
#include "gateway/token_store.h"
#include "support/temp_dir.h"

namespace chitin::gateway {
namespace {

TEST(Scopes, ParseAndPrint) {
  EXPECT_EQ(*parse_scopes({"operator.read", "operator.approvals"}), kScopeRead | kScopeApprovals);
  EXPECT_FALSE(parse_scopes({"operator.root"}));
  EXPECT_FALSE(parse_scopes({}));
  EXPECT_EQ(scope_names(kAllScopes).size(), 4U);
}

TEST(HttpRules, CredentialsInQueryStringsAreFound) {
  EXPECT_EQ(credential_in_query("/?token=abc"), "token");
  EXPECT_EQ(credential_in_query("/ws?x=1&gatewayUrl=ws://evil"), "gatewayurl");
  EXPECT_EQ(credential_in_query("/?%74oken=abc"), "token");
  EXPECT_EQ(credential_in_query("/?ACCESS_TOKEN=abc"), "access_token");
  EXPECT_EQ(credential_in_query("/index.html"), "");
  EXPECT_EQ(credential_in_query("/?tokens_page=2"), "");
}

TEST(HttpRules, AssetsAreAnExactTableLookup) {
  ASSERT_NE(find_asset("/"), nullptr);
  EXPECT_EQ(find_asset("/")->path, "/index.html");
  EXPECT_NE(find_asset("/app.js"), nullptr);
  EXPECT_EQ(find_asset("/../etc/passwd"), nullptr);
  EXPECT_EQ(find_asset("/app.js/"), nullptr);
  EXPECT_EQ(find_asset("/%2e%2e/etc/passwd"), nullptr);
  // The console has no inline script (the CSP would block it anyway).
  const std::string_view html = find_asset("/index.html")->body;
  EXPECT_EQ(html.find("<script>"), std::string_view::npos);
  EXPECT_EQ(html.find("onclick"), std::string_view::npos);
}

TEST(RateLimiter, LocksOutExponentiallyAndSuccessClears) {
  RateLimiter limiter;
  const auto now = Clock::now();
  for (int i = 0; i < RateLimiter::kFreeFailures; ++i) {
    EXPECT_EQ(limiter.record_failure("127.0.0.1", now).count(), 0);
  }
  EXPECT_EQ(limiter.record_failure("127.0.0.1", now).count(), 1000);
  EXPECT_EQ(limiter.record_failure("127.0.0.1", now).count(), 2000);
  EXPECT_GT(limiter.locked_for("127.0.0.1", now).count(), 0);
  EXPECT_EQ(limiter.locked_for("10.0.0.1", now).count(), 0);
  EXPECT_EQ(limiter.locked_for("127.0.0.1", now + std::chrono::seconds(3)).count(), 0);
  for (int i = 0; i < 30; ++i) {
    limiter.record_failure("127.0.0.2", now);
  }
  EXPECT_LE(limiter.record_failure("127.0.0.2", now), RateLimiter::kMaxLockout);
  limiter.record_success("127.0.0.1");
  EXPECT_EQ(limiter.record_failure("127.0.0.1", now).count(), 0);
}

TEST(SessionStore, ExpiresAndRevokes) {
  SessionStore sessions(std::chrono::seconds(60));
  const auto now = Clock::now();
  const std::string id = sessions.create(kScopeRead, "owner", now);
  EXPECT_EQ(id.size(), 43U);
  ASSERT_TRUE(sessions.find(id, now));
  EXPECT_FALSE(sessions.find(id, now + std::chrono::seconds(61)));
  const std::string other = sessions.create(kScopeRead, "owner", now);
  sessions.revoke(other);
  EXPECT_FALSE(sessions.find(other, now));
  EXPECT_EQ(session_cookie_value("a=b; chitin_session=xyz; c=d"), "xyz");
  EXPECT_EQ(session_cookie_value("chitin_sessionx=1"), "");
}

TEST(TokenStore, CreateVerifyRevoke) {
  testing::TempDir dir;
  config::StatePaths paths{dir.file("home")};
  ASSERT_TRUE(config::init_state_dir(paths));
  TokenStore store(paths);
  const auto created = store.create(kScopeRead, "ci");
  ASSERT_TRUE(created) << created.error().describe();
  EXPECT_TRUE(created->token.starts_with(kTokenPrefix));
  auto verified = store.verify(created->token);
  ASSERT_TRUE(verified && *verified);
  EXPECT_EQ((*verified)->scopes, kScopeRead);
  EXPECT_FALSE(*store.verify(created->token + "x"));
  EXPECT_FALSE(*store.verify(""));
  const auto owner = config::load_gateway_token(paths);
  ASSERT_TRUE(owner);
  EXPECT_EQ((*store.verify(*owner))->scopes, kAllScopes);
  // The file holds hashes only.
  EXPECT_EQ(testing::read_text(store.file()).find(created->token), std::string::npos);
  ASSERT_TRUE(store.revoke(created->info.id));
  EXPECT_FALSE(*store.verify(created->token));
  EXPECT_FALSE(store.revoke("tk_nope"));
}

TEST(Server, RefusesNonLoopbackWithoutTls) {
  config::GatewayConfig gateway;
  EXPECT_EQ(insecure_bind_reason("127.0.0.1", gateway), "");
  EXPECT_EQ(insecure_bind_reason("::1", gateway), "");
  const std::string reason = insecure_bind_reason("0.0.0.0", gateway);
  EXPECT_NE(reason.find("gateway.tls_cert"), std::string::npos) << reason;
  gateway.tls_cert = "/etc/cert.pem";
  gateway.tls_key = "/etc/key.pem";
  EXPECT_EQ(insecure_bind_reason("0.0.0.0", gateway), "");
}

}  // namespace
}  // namespace chitin::gateway
