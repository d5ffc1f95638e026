#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <thread>

#include "audit/verify.h"
#include "egress/http_head.h"
#include "egress/proxy.h"
#include "egress/rules.h"
#include "egress/tls_sni.h"
#include "support/audit_fixture.h"
#include "support/http_server.h"

namespace chitin::egress {
namespace {

sockaddr_storage ip(const char* text) {
  sockaddr_storage out{};
  EXPECT_TRUE(parse_ip_literal(text, out)) << text;
  return out;
}

TEST(RulesTest, MatchesHostsPortsAndWildcards) {
  auto rules = parse_rules({"api.github.com", "*.example.com:8443", "10.0.0.5:9000"});
  ASSERT_TRUE(rules.has_value()) << rules.error().message;
  EXPECT_TRUE(allowed(*rules, "api.github.com", 443));
  EXPECT_TRUE(allowed(*rules, "API.GitHub.com.", 80));
  EXPECT_FALSE(allowed(*rules, "api.github.com", 22));
  EXPECT_FALSE(allowed(*rules, "evil-api.github.com", 443));
  EXPECT_TRUE(allowed(*rules, "a.b.example.com", 8443));
  EXPECT_FALSE(allowed(*rules, "example.com", 8443));
  EXPECT_FALSE(allowed(*rules, "a.example.com", 443));
  EXPECT_TRUE((*rules)[2].ip_literal);
  EXPECT_FALSE(parse_rule("10.0.0.5").has_value());  // an IP needs its port
  EXPECT_FALSE(parse_rule("*").has_value());
}

TEST(RulesTest, ClassifiesNonPublicAddresses) {
  for (const char* address :
       {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
        "0.0.0.0", "224.0.0.1", "::1", "::", "fe80::1", "fd00:ec2::254", "::ffff:127.0.0.1",
        "64:ff9b::a9fe:a9fe", "ff02::1", "2001:db8::1"}) {
    EXPECT_TRUE(is_non_public(ip(address))) << address;
  }
  for (const char* address : {"1.1.1.1", "140.82.112.3", "2606:4700::1111", "2002:101:101::1"}) {
    EXPECT_FALSE(is_non_public(ip(address))) << address;
  }
}

TEST(HttpHeadTest, ParsesConnectAndAbsoluteForm) {
  auto connect = parse_proxy_request("CONNECT api.github.com:443 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(connect.has_value()) << connect.error().message;
  EXPECT_TRUE(connect->connect);
  EXPECT_EQ(connect->host, "api.github.com");
  EXPECT_EQ(connect->port, 443);
  auto v6 = parse_proxy_request("CONNECT [2606:4700::1111]:443 HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "2606:4700::1111");
  auto get = parse_proxy_request(
      "GET http://example.com/a?b=1 HTTP/1.1\r\nHost: example.com\r\nProxy-Authorization: x\r\n"
      "Accept: */*\r\n\r\n");
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->port, 80);
  EXPECT_EQ(get->origin_target, "/a?b=1");
  const std::string head = origin_head(*get);
  EXPECT_EQ(head,
            "GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nConnection: close\r\n\r\n");
}

TEST(HttpHeadTest, RefusesMalformedAndAmbiguousHeads) {
  for (const char* bad :
       {"GET / HTTP/1.1\r\n\r\n", "CONNECT host HTTP/1.1\r\n\r\n",
        "CONNECT host:99999 HTTP/1.1\r\n\r\n", "GET  http://a/ HTTP/1.1\r\n\r\n",
        "GET http://a/ HTTP/2\r\n\r\n", "GET http://a/ HTTP/1.1\r\n folded\r\n\r\n",
        "GET http://a/ HTTP/1.1\r\nBad Name: x\r\n\r\n",
        "POST http://a/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST http://a/ HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "POST http://a/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "POST http://a/ HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
        "GET http://user@a/ HTTP/1.1\r\n\r\n", "GET ftp://a/ HTTP/1.1\r\n\r\n"}) {
    EXPECT_FALSE(parse_proxy_request(bad).has_value()) << bad;
  }
  // A NUL inside the host: the allow-list and the resolver must never see different names.
  EXPECT_FALSE(
      parse_proxy_request(std::string("CONNECT evil.com\0.pypi.org:443 HTTP/1.1\r\n\r\n", 43))
          .has_value());
  EXPECT_FALSE(
      parse_proxy_request(std::string("GET http://evil.com\0.ok.org/ HTTP/1.1\r\n\r\n", 41))
          .has_value());
  EXPECT_EQ(
      parse_proxy_request("POST http://a/ HTTP/1.1\r\nContent-Length: 5\r\n\r\n")->content_length,
      5u);
  // Inside an intercepted tunnel: origin-form only, and the tunnel's host wins.
  auto inner = parse_tunnelled_request("GET /v1?x=1 HTTP/1.1\r\nHost: evil.com\r\n\r\n",
                                       "api.example.com", 443);
  ASSERT_TRUE(inner.has_value());
  EXPECT_EQ(origin_head(*inner, 443),
            "GET /v1?x=1 HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n");
  EXPECT_FALSE(parse_tunnelled_request("GET http://a/ HTTP/1.1\r\n\r\n", "a", 443));
  EXPECT_FALSE(parse_tunnelled_request("CONNECT a:443 HTTP/1.1\r\n\r\n", "a", 443));
  EXPECT_EQ(*head_length("GET http://a/ HTTP/1.1\r\n"), 0u);
  EXPECT_FALSE(head_length(std::string(kMaxHeadBytes + 1, 'a')).has_value());
}

// A minimal TLS 1.2-style ClientHello record carrying `sni`.
std::string client_hello(const std::string& sni) {
  std::string name_list;
  name_list += '\0';  // host_name
  name_list += static_cast<char>(sni.size() >> 8);
  name_list += static_cast<char>(sni.size() & 0xff);
  name_list += sni;
  std::string ext;
  ext += static_cast<char>(name_list.size() >> 8);
  ext += static_cast<char>(name_list.size() & 0xff);
  ext += name_list;
  std::string extensions = std::string("\0\0", 2);  // type server_name
  extensions += static_cast<char>(ext.size() >> 8);
  extensions += static_cast<char>(ext.size() & 0xff);
  extensions += ext;
  std::string hello = std::string("\x03\x03", 2) + std::string(32, 'r');
  hello += '\0';                                // session id length
  hello += std::string("\x00\x02\x13\x01", 4);  // one cipher suite
  hello += std::string("\x01\x00", 2);          // compression: null
  hello += static_cast<char>(extensions.size() >> 8);
  hello += static_cast<char>(extensions.size() & 0xff);
  hello += extensions;
  std::string handshake = "\x01";
  handshake += '\0';
  handshake += static_cast<char>(hello.size() >> 8);
  handshake += static_cast<char>(hello.size() & 0xff);
  handshake += hello;
  std::string record = std::string("\x16\x03\x01", 3);
  record += static_cast<char>(handshake.size() >> 8);
  record += static_cast<char>(handshake.size() & 0xff);
  record += handshake;
  return record;
}

TEST(SniTest, NamesTheHostCaseInsensitivelyAndWithoutTheTrailingDot) {
  EXPECT_TRUE(sni_names_host("api.example.com", "API.Example.com."));
  EXPECT_TRUE(sni_names_host("API.EXAMPLE.COM", "api.example.com"));
  EXPECT_FALSE(sni_names_host("api.example.com", "example.com"));
  EXPECT_FALSE(sni_names_host("", "example.com"));
}

TEST(SniTest, ExtractsTheServerNameAndRejectsNonTls) {
  const std::string hello = client_hello("API.Example.com");
  SniResult found = extract_sni(hello);
  EXPECT_EQ(found.status, SniStatus::kFound);
  EXPECT_EQ(found.name, "api.example.com");
  EXPECT_EQ(extract_sni(hello.substr(0, 20)).status, SniStatus::kNeedMore);
  EXPECT_EQ(extract_sni("SSH-2.0-OpenSSH\r\n").status, SniStatus::kNotTls);
  std::string corrupt = hello;
  corrupt[6] = '\x7f';  // handshake length far beyond the record
  EXPECT_EQ(extract_sni(corrupt).status, SniStatus::kNotTls);
}

class ProxyTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> rules) {
    log_ = fx_.open();
    ProxyOptions options;
    options.socket_path = dir_.file("egress.sock");
    options.rules = *parse_rules(rules);
    options.audit = log_.get();
    auto proxy = EgressProxy::start(std::move(options));
    ASSERT_TRUE(proxy.has_value()) << proxy.error().describe();
    proxy_ = std::move(*proxy);
  }
  // Sends `request` through the proxy and returns everything it answers until close.
  std::string exchange(const std::string& request) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string path = proxy_->socket_path();
    std::memcpy(address.sun_path, path.data(), path.size());
    EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    (void)!::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL);
    std::string out;
    char buffer[4096];
    ssize_t n;
    while ((n = ::recv(fd.get(), buffer, sizeof(buffer), 0)) > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }
  std::string audit_text() {
    EXPECT_TRUE(log_->flush().has_value());
    return chitin::testing::read_text(audit::segment_path(fx_.dir(), 1));
  }

  chitin::testing::AuditFixture fx_;
  chitin::testing::TempDir dir_;
  std::unique_ptr<audit::AuditLog> log_;
  std::unique_ptr<EgressProxy> proxy_;
};

TEST_F(ProxyTest, ForwardsAnAllowedAbsoluteFormRequestToAnExactIpPortRule) {
  chitin::testing::LoopbackHttpServer server("hello from the allowed host");
  const std::string target = "127.0.0.1:" + std::to_string(server.port());
  start({target});
  const std::string response =
      exchange("GET http://" + target + "/x HTTP/1.1\r\nHost: h\r\nProxy-Connection: x\r\n\r\n");
  EXPECT_NE(response.find("200 OK"), std::string::npos) << response;
  EXPECT_NE(response.find("hello from the allowed host"), std::string::npos);
  EXPECT_EQ(server.last_request().rfind("GET /x HTTP/1.1\r\n", 0), 0u) << server.last_request();
  EXPECT_EQ(server.last_request().find("Proxy-Connection"), std::string::npos);
  EXPECT_NE(audit_text().find("\"type\":\"egress.allow\""), std::string::npos);
  // egress.close comes when the proxy sees both sides finish, just after our reader's EOF.
  bool closed = false;
  for (int i = 0; i < 500 && !closed; ++i) {
    closed = audit_text().find("\"type\":\"egress.close\"") != std::string::npos;
    if (!closed) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  EXPECT_TRUE(closed);
}

TEST_F(ProxyTest, DeniesWhatIsNotAllowListed) {
  chitin::testing::LoopbackHttpServer server("secret");
  start({"api.github.com"});
  const std::string literal =
      exchange("GET http://127.0.0.1:" + std::to_string(server.port()) + "/ HTTP/1.1\r\n\r\n");
  EXPECT_NE(literal.find("403 Forbidden"), std::string::npos) << literal;
  EXPECT_NE(literal.find("IP addresses are refused"), std::string::npos);
  EXPECT_EQ(literal.find("secret"), std::string::npos);
  const std::string name = exchange("CONNECT evil.example:443 HTTP/1.1\r\n\r\n");
  EXPECT_NE(name.find("403"), std::string::npos);
  EXPECT_NE(name.find("not in the egress allow-list"), std::string::npos);
  const std::string garbage = exchange("HELLO\r\n\r\n");
  EXPECT_NE(garbage.find("400"), std::string::npos);
  EXPECT_NE(audit_text().find("\"type\":\"egress.deny\""), std::string::npos);
}

TEST_F(ProxyTest, ANameResolvingToLoopbackNeverCountsEvenWhenAllowListed) {
  chitin::testing::LoopbackHttpServer server("gateway");
  start({"localhost:" + std::to_string(server.port())});
  const std::string response =
      exchange("GET http://localhost:" + std::to_string(server.port()) + "/ HTTP/1.1\r\n\r\n");
  EXPECT_NE(response.find("403"), std::string::npos) << response;
  EXPECT_NE(response.find("resolves to a non-public address"), std::string::npos);
}

TEST_F(ProxyTest, ConnectTunnelsMustCarryTlsForTheNamedHost) {
  chitin::testing::LoopbackHttpServer server("x");
  const std::string target = "127.0.0.1:" + std::to_string(server.port());
  start({target});
  const std::string plain = exchange("CONNECT " + target + " HTTP/1.1\r\n\r\nSSH-2.0-x\r\n");
  EXPECT_NE(plain.find("200 Connection established"), std::string::npos);
  EXPECT_EQ(plain.find("HTTP/1.1 200 OK"), std::string::npos);  // nothing came back through
  EXPECT_NE(audit_text().find("a CONNECT tunnel must carry TLS"), std::string::npos);
}

}  // namespace
}  // namespace chitin::egress
