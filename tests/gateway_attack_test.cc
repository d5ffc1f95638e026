// Attack suite of the gateway: a real server on a loopback port, attacked with raw sockets
// and a real WebSocket client. Each test states the attack and asserts the exact refusal.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "audit/reader.h"
#include "audit/record.h"
#include "base/child_process.h"
#include "base/unique_fd.h"
#include "gateway/server.h"
#include "gateway/token_store.h"
#include "support/audit_fixture.h"
#include "support/temp_dir.h"

namespace chitin::gateway {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

class GatewayAttackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    paths_.home = dir_.file("home");
    ASSERT_TRUE(config::init_state_dir(paths_));
    auto config = config::load_config(paths_.config_file());
    ASSERT_TRUE(config);
    auto log = audit::open_installation_log(paths_, *config);
    ASSERT_TRUE(log);
    log_ = std::move(*log);
    GatewayOptions options;
    options.paths = paths_;
    options.config = *config;
    options.bind = "127.0.0.1";
    options.port = 0;
    options.version = "test";
    options.limits.request_timeout = std::chrono::milliseconds(800);
    options.limits.ws_auth_timeout = std::chrono::milliseconds(1500);
    options.doctor = []() -> Result<nlohmann::json> {
      return nlohmann::json{{"findings", nlohmann::json::array()}};
    };
    auto server = Server::create(options, *log_);
    ASSERT_TRUE(server) << server.error().describe();
    server_ = std::move(*server);
    ASSERT_TRUE(server_->start());
    token_ = *config::load_gateway_token(paths_);
  }
  void TearDown() override {
    server_->stop();
    server_->wait();
  }

  std::string origin() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  // Sends raw bytes, returns everything the server answers until it closes (or 3 s pass).
  std::string raw(const std::string& bytes, std::chrono::milliseconds pause = {},
                  const std::string& more = {}) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(server_->port()));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    (void)::send(fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (pause.count() > 0) {
      std::this_thread::sleep_for(pause);
      (void)::send(fd.get(), more.data(), more.size(), MSG_NOSIGNAL);
    }
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd.get(), POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) {
        continue;
      }
      char buffer[65536];
      const ssize_t n = ::recv(fd.get(), buffer, sizeof(buffer), 0);
      if (n <= 0) {
        break;
      }
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }

  static int status_of(const std::string& response) {
    if (response.size() < 12 || !response.starts_with("HTTP/1.1 ")) {
      return 0;
    }
    return std::stoi(response.substr(9, 3));
  }

  std::vector<std::string> audit_types() {
    return chitin::testing::audit_record_types(*log_, paths_.audit_dir());
  }
  bool audited(const std::string& type) {
    const auto types = audit_types();
    return std::find(types.begin(), types.end(), type) != types.end();
  }

  struct Ws {
    net::io_context io;
    websocket::stream<tcp::socket> stream{io};
  };
  // Opens a WebSocket with optional Origin and Cookie headers; false if the upgrade failed.
  bool open_ws(Ws& ws, const std::string& origin_header, const std::string& cookie = {}) {
    boost::system::error_code ec;
    tcp::resolver resolver(ws.io);
    net::connect(ws.stream.next_layer(),
                 resolver.resolve("127.0.0.1", std::to_string(server_->port()), ec), ec);
    if (ec) {
      return false;
    }
    ws.stream.set_option(websocket::stream_base::decorator([&](websocket::request_type& request) {
      if (!origin_header.empty()) {
        request.set(beast::http::field::origin, origin_header);
      }
      if (!cookie.empty()) {
        request.set(beast::http::field::cookie, cookie);
      }
    }));
    ws.stream.handshake("127.0.0.1", "/ws", ec);
    return !ec;
  }
  static nlohmann::json exchange(Ws& ws, const nlohmann::json& frame) {
    boost::system::error_code ec;
    ws.stream.write(net::buffer(frame.dump()), ec);
    if (ec) {
      return nullptr;
    }
    beast::flat_buffer buffer;
    ws.stream.read(buffer, ec);
    if (ec) {
      return nullptr;
    }
    return nlohmann::json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
  }

  testing::TempDir dir_;
  config::StatePaths paths_;
  std::unique_ptr<audit::AuditLog> log_;
  std::unique_ptr<Server> server_;
  std::string token_;
};

TEST_F(GatewayAttackTest, HealthzRevealsOnlyLivenessAndEveryResponseHasSecurityHeaders) {
  const std::string ok = raw("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(ok), 200);
  EXPECT_TRUE(ok.ends_with("\r\n\r\nok\n")) << ok;
  for (const std::string& response : std::vector<std::string>{
           ok, raw("GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
           raw("BROKEN\r\n\r\n")}) {
    EXPECT_NE(response.find("Content-Security-Policy: default-src 'none'; script-src 'self'"),
              std::string::npos)
        << response;
    EXPECT_NE(response.find("X-Frame-Options: DENY"), std::string::npos);
    EXPECT_NE(response.find("Referrer-Policy: no-referrer"), std::string::npos);
    EXPECT_NE(response.find("X-Content-Type-Options: nosniff"), std::string::npos);
  }
}

TEST_F(GatewayAttackTest, CrossSiteWebSocketWithAForeignOriginIsRefusedAndAudited) {
  Ws ws;
  EXPECT_FALSE(open_ws(ws, "http://evil.example"));
  EXPECT_TRUE(audited("auth.origin_rejected"));
  // Even with a valid console cookie, a foreign Origin gets nothing.
  Ws ws2;
  EXPECT_FALSE(open_ws(ws2, "http://127.0.0.1.evil.example:1", "chitin_session=whatever"));
}

TEST_F(GatewayAttackTest, TokenInTheQueryStringIsRejectedAndAudited) {
  for (const std::string& target :
       std::vector<std::string>{"/?token=" + token_, "/ws?gatewayUrl=ws://evil.example",
                                "/v1/models?access_token=x", "/?%74oken=x"}) {
    const std::string response =
        raw("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(status_of(response), 400) << target << "\n" << response;
    EXPECT_NE(response.find("credential_in_url"), std::string::npos);
  }
  EXPECT_TRUE(audited("auth.token_in_url"));
}

TEST_F(GatewayAttackTest, BruteForceLocksOutEvenFromLoopback) {
  const std::string wrong =
      "GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer chtn_gw_wrong\r\n"
      "Connection: close\r\n\r\n";
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(status_of(raw(wrong)), 401) << i;
  }
  // Locked out now: even the right token is refused until the lock-out ends.
  const std::string right = "GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                            token_ + "\r\nConnection: close\r\n\r\n";
  const std::string locked = raw(right);
  EXPECT_EQ(status_of(locked), 429) << locked;
  EXPECT_NE(locked.find("Retry-After:"), std::string::npos);
  EXPECT_TRUE(audited("auth.lockout"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(status_of(raw(right)), 200);
}

TEST_F(GatewayAttackTest, OversizeHeadersAndBodiesGetClearAnswers) {
  const std::string big_header = "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') +
                                 "\r\nConnection: close\r\n\r\n";
  const std::string header_response = raw(big_header);
  EXPECT_EQ(status_of(header_response), 431) << header_response.substr(0, 200);
  EXPECT_NE(header_response.find("header_too_large"), std::string::npos);
  std::string many = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 150; ++i) {
    many += "X-H" + std::to_string(i) + ": v\r\n";
  }
  EXPECT_EQ(status_of(raw(many + "Connection: close\r\n\r\n")), 431);
  const std::string body(2 << 20, 'b');
  const std::string big_body =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: "
      "Bearer " +
      token_ + "\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  const std::string body_response = raw(big_body);
  EXPECT_EQ(status_of(body_response), 413) << body_response.substr(0, 300);
  EXPECT_NE(body_response.find("body_too_large"), std::string::npos);
}

TEST_F(GatewayAttackTest, AmbiguousRequestsAreRefused) {
  const std::string cl_te =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: "
      "chunked\r\nConnection: close\r\n\r\n0\r\n\r\n";
  EXPECT_EQ(status_of(raw(cl_te)), 400);
  const std::string double_cl =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: "
      "5\r\nConnection: close\r\n\r\nabcde";
  EXPECT_EQ(status_of(raw(double_cl)), 400);
  const std::string same_cl_twice =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: "
      "4\r\nConnection: close\r\n\r\nabcd";
  EXPECT_EQ(status_of(raw(same_cl_twice)), 400);
}

TEST_F(GatewayAttackTest, SlowlorisIsCutOffAtTheRequestTimeout) {
  // Half a request head, then silence: the server closes at its request timeout (800 ms in
  // this test), without waiting for the rest.
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(server_->port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string partial = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  ASSERT_EQ(::send(fd.get(), partial.data(), partial.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(partial.size()));
  const auto start = std::chrono::steady_clock::now();
  pollfd p{fd.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1);
  char byte = 0;
  EXPECT_LE(::recv(fd.get(), &byte, 1, 0), 0);  // closed (or reset), nothing sent
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(600));
  EXPECT_LT(elapsed, std::chrono::milliseconds(3000));
}

TEST_F(GatewayAttackTest, PathTraversalOnStaticRoutesFindsNothing) {
  for (const std::string& target : std::vector<std::string>{
           "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/index.html/../../../etc/passwd",
           "/..%2f..%2fetc%2fpasswd", "//etc/passwd", "/app.js%00.html", "/style.css/"}) {
    const std::string response =
        raw("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(status_of(response) == 404 || status_of(response) == 400) << target << response;
    EXPECT_EQ(response.find("root:"), std::string::npos) << target;
  }
}

TEST_F(GatewayAttackTest, WebSocketNeedsConnectFirstAndScopesAreEnforced) {
  Ws anonymous;
  ASSERT_TRUE(open_ws(anonymous, ""));
  const auto refused = exchange(anonymous, {{"type", "req"}, {"id", 1}, {"method", "status"}});
  EXPECT_EQ(refused["error"]["code"], "UNAUTHORIZED") << refused;

  auto read_only = TokenStore(paths_).create(kScopeRead, "ro");
  ASSERT_TRUE(read_only);
  Ws ws;
  ASSERT_TRUE(open_ws(ws, origin()));
  const auto hello = exchange(ws, {{"type", "req"},
                                   {"id", "c"},
                                   {"method", "connect"},
                                   {"params", {{"auth", {{"token", read_only->token}}}}}});
  ASSERT_EQ(hello["ok"], true) << hello;
  EXPECT_EQ(hello["payload"]["auth"]["scopes"], nlohmann::json::array({"operator.read"}));
  const auto health = exchange(ws, {{"type", "req"}, {"id", 2}, {"method", "health"}});
  EXPECT_EQ(health["ok"], true) << health;
  const auto forbidden = exchange(ws, {{"type", "req"}, {"id", 3}, {"method", "audit.tail"}});
  EXPECT_EQ(forbidden["error"]["code"], "FORBIDDEN") << forbidden;
  EXPECT_EQ(forbidden["error"]["details"]["code"], "MISSING_SCOPE");
  EXPECT_EQ(forbidden["error"]["details"]["missingScope"], "operator.admin");
  // A client cannot declare scopes for itself.
  const auto chat = exchange(ws, {{"type", "req"},
                                  {"id", 4},
                                  {"method", "chat.send"},
                                  {"params", {{"scopes", {"operator.write"}}}}});
  EXPECT_EQ(chat["error"]["code"], "FORBIDDEN") << chat;
}

TEST_F(GatewayAttackTest, ChatWithoutAnAgentSaysSo) {
  Ws ws;
  ASSERT_TRUE(open_ws(ws, ""));
  ASSERT_EQ(exchange(ws, {{"type", "req"},
                          {"id", 1},
                          {"method", "connect"},
                          {"params", {{"auth", {{"token", token_}}}}}})["ok"],
            true);
  const auto chat = exchange(
      ws, {{"type", "req"}, {"id", 2}, {"method", "chat.send"}, {"params", {{"message", "hi"}}}});
  EXPECT_EQ(chat["error"]["code"], "UNAVAILABLE") << chat;
  EXPECT_NE(chat["error"]["message"].get<std::string>().find("no agent is available"),
            std::string::npos);
  const auto tail = exchange(
      ws, {{"type", "req"}, {"id", 3}, {"method", "audit.tail"}, {"params", {{"type", "auth"}}}});
  ASSERT_EQ(tail["ok"], true) << tail;
  EXPECT_FALSE(tail["payload"]["records"].empty());
}

TEST_F(GatewayAttackTest, OversizedWebSocketFramesCloseTheConnection) {
  Ws ws;
  ASSERT_TRUE(open_ws(ws, ""));
  // Before authentication the cap is 64 KiB.
  const auto reply = exchange(ws, {{"type", "req"},
                                   {"id", 1},
                                   {"method", "connect"},
                                   {"params", {{"pad", std::string(100000, 'x')}}}});
  EXPECT_TRUE(reply.is_null()) << reply;
}

TEST_F(GatewayAttackTest, ConsoleLoginNeedsOurOriginAndSetsAStrictCookie) {
  const std::string body = nlohmann::json{{"token", token_}}.dump();
  const std::string no_origin =
      raw("POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: "
          "application/json\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  EXPECT_EQ(status_of(no_origin), 403) << no_origin;
  const std::string ok =
      raw("POST /api/login HTTP/1.1\r\nHost: x\r\nOrigin: " + origin() +
          "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\nConnection: close\r\n\r\n" + body);
  EXPECT_EQ(status_of(ok), 200) << ok;
  EXPECT_NE(ok.find("Set-Cookie: chitin_session="), std::string::npos);
  EXPECT_NE(ok.find("HttpOnly; SameSite=Strict"), std::string::npos);
  EXPECT_TRUE(audited("auth.login"));
}

TEST_F(GatewayAttackTest, NonLoopbackBindWithoutTlsIsRefused) {
  GatewayOptions options;
  options.paths = paths_;
  options.bind = "0.0.0.0";
  options.port = 0;
  auto server = Server::create(options, *log_);
  ASSERT_FALSE(server);
  EXPECT_NE(server.error().message.find("gateway.tls_cert"), std::string::npos);
}

TEST_F(GatewayAttackTest, MalformedFramesNeverCrashTheGateway) {
  for (const std::string frame :
       {R"({"type":1})", R"({"type":"req","id":{"a":1},"method":"health"})",
        R"({"type":"req","id":1,"method":7})",
        R"({"type":"req","id":1,"method":"connect","params":[1]})", R"([1,2,3])", "not json",
        R"({"type":"req","id":1,"method":"connect","params":{"auth":{"token":5}}})"}) {
    Ws ws;
    ASSERT_TRUE(open_ws(ws, ""));
    boost::system::error_code ec;
    ws.stream.write(net::buffer(frame), ec);
    beast::flat_buffer buffer;
    ws.stream.read(buffer, ec);  // an error reply, then the close
  }
  // Still serving.
  EXPECT_EQ(status_of(raw("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")), 200);
}

TEST_F(GatewayAttackTest, RevokingATokenEndsItsOpenConnections) {
  auto created = TokenStore(paths_).create(kScopeRead, "short-lived");
  ASSERT_TRUE(created);
  Ws ws;
  ASSERT_TRUE(open_ws(ws, ""));
  ASSERT_EQ(exchange(ws, {{"type", "req"},
                          {"id", 1},
                          {"method", "connect"},
                          {"params", {{"auth", {{"token", created->token}}}}}})["ok"],
            true);
  EXPECT_EQ(exchange(ws, {{"type", "req"}, {"id", 2}, {"method", "health"}})["ok"], true);
  ASSERT_TRUE(TokenStore(paths_).revoke(created->info.id));
  const auto after = exchange(ws, {{"type", "req"}, {"id", 3}, {"method", "health"}});
  EXPECT_EQ(after["error"]["code"], "UNAUTHORIZED") << after;
}

TEST_F(GatewayAttackTest, FloodsOfRefusedRequestsCannotFloodTheAuditLog) {
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(status_of(raw("GET /?token=x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")),
              400);
  }
  const auto types = audit_types();
  EXPECT_LE(std::count(types.begin(), types.end(), "auth.token_in_url"), 2);
}

TEST_F(GatewayAttackTest, UnauthenticatedRequestsGetASmallBodyLimit) {
  const std::string body(10000, 'x');
  const std::string response = raw("POST /api/login HTTP/1.1\r\nHost: x\r\nOrigin: " + origin() +
                                   "\r\nContent-Length: " + std::to_string(body.size()) +
                                   "\r\nConnection: close\r\n\r\n" + body);
  EXPECT_EQ(status_of(response), 413) << response.substr(0, 200);
}

TEST_F(GatewayAttackTest, TlsServesWithHstsAndABadCertificatePathIsAClearError) {
  const std::string cert = dir_.file("cert.pem");
  const std::string key = dir_.file("key.pem");
  SpawnOptions make_cert;
  make_cert.argv = {"/usr/bin/openssl",
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    key,
                    "-out",
                    cert,
                    "-days",
                    "1",
                    "-subj",
                    "/CN=127.0.0.1"};
  make_cert.env = std::vector<std::string>{};
  make_cert.stdin_mode = Stdio::kNull;
  auto made = run_captured(make_cert);
  ASSERT_TRUE(made && made->status.success());
  GatewayOptions options;
  options.paths = paths_;
  options.config = *config::load_config(paths_.config_file());
  options.config.gateway.tls_cert = cert;
  options.config.gateway.tls_key = key;
  options.bind = "127.0.0.1";
  options.port = 0;
  auto server = Server::create(options, *log_);
  ASSERT_TRUE(server) << server.error().describe();
  ASSERT_TRUE((*server)->start());
  SpawnOptions client;
  client.argv = {"/usr/bin/openssl", "s_client",
                 "-connect",         "127.0.0.1:" + std::to_string((*server)->port()),
                 "-quiet",           "-ign_eof"};
  client.env = std::vector<std::string>{};
  client.stdin_mode = Stdio::kPipe;
  auto answer =
      run_captured(client, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 1 << 20,
                   std::chrono::seconds(20));
  ASSERT_TRUE(answer);
  EXPECT_NE(answer->out.find("HTTP/1.1 200 OK"), std::string::npos) << answer->out << answer->err;
  EXPECT_NE(answer->out.find("Strict-Transport-Security: max-age=31536000"), std::string::npos);
  (*server)->stop();
  (*server)->wait();

  options.config.gateway.tls_cert = dir_.file("missing.pem");
  auto bad = Server::create(options, *log_);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("gateway.tls_cert"), std::string::npos);
}

}  // namespace
}  // namespace chitin::gateway
