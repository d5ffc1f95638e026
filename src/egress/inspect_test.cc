#include "egress/inspect.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace chitin::egress {
namespace {

const std::string kValue = "sk-test-Q7f3LmZx9Kp2Wd8Rt5Yb";

class InspectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GrantedSecret demo;
    demo.name = "demo";
    demo.value = kValue;
    demo.hosts = *parse_rules({"api.example.com"});
    granted_.push_back(demo);
    GrantedSecret header;
    header.name = "hdr";
    header.value = "hdr-value-123456";
    header.hosts = *parse_rules({"hdr.example.com:8443"});
    header.header = "x-api-key";
    header.format = "Key {}";
    granted_.push_back(header);
    scan_.granted = &granted_;
    scan_.stored = &stored_;
    scan_.encrypted = true;  // an intercepted tunnel unless a test says otherwise
  }
  Inspection inspect(const std::string& head, const std::string& body = {},
                     std::string host = "api.example.com", std::uint16_t port = 443) {
    auto request = parse_tunnelled_request(head, host, port);
    EXPECT_TRUE(request.has_value()) << request.error().message;
    auto result = inspect_request(*request, body, 443, scan_);
    EXPECT_TRUE(result.has_value());
    return *result;
  }

  std::vector<GrantedSecret> granted_;
  secrets::LeakScanner stored_{{{"demo", kValue}, {"unused", "unused-secret-9876"}}};
  SecretScan scan_;
};

TEST_F(InspectTest, PlaceholdersAreReplacedOnlyOnTheWayToBoundHosts) {
  auto ok = inspect(
      "POST /v1?key=chitin-secret://demo HTTP/1.1\r\nAuthorization: Bearer chitin-secret://demo\r\n"
      "Content-Length: 20\r\n\r\n",
      "chitin-secret://demo");
  ASSERT_FALSE(ok.blocked) << ok.reason;
  EXPECT_EQ(ok.used, std::vector<std::string>{"demo"});
  EXPECT_NE(ok.outbound.find("Authorization: Bearer " + kValue + "\r\n"), std::string::npos);
  EXPECT_NE(ok.outbound.find("POST /v1?key=" + kValue + " HTTP/1.1"), std::string::npos);
  // Bodies only when the secret allows it; Content-Length follows the body.
  EXPECT_TRUE(
      ok.outbound.ends_with("Content-Length: 20\r\nConnection: close\r\n\r\n"
                            "chitin-secret://demo"))
      << ok.outbound;
  granted_[0].body = true;
  auto body = inspect("POST / HTTP/1.1\r\nContent-Length: 20\r\n\r\n", "chitin-secret://demo");
  EXPECT_TRUE(body.outbound.ends_with("Content-Length: 28\r\nConnection: close\r\n\r\n" + kValue))
      << body.outbound;

  auto elsewhere = inspect("GET / HTTP/1.1\r\nAuthorization: Bearer chitin-secret://demo\r\n\r\n",
                           {}, "evil.example.com");
  EXPECT_TRUE(elsewhere.blocked);
  EXPECT_EQ(elsewhere.secret, "demo");
  EXPECT_NE(elsewhere.reason.find("not bound"), std::string::npos);
  EXPECT_TRUE(elsewhere.outbound.empty());
  auto encoded = inspect("GET /?k=chitin-secret%3A%2F%2Fdemo HTTP/1.1\r\n\r\n", {}, "evil.com");
  EXPECT_TRUE(encoded.blocked);
  // Another name, also one that merely starts with a granted one.
  for (const char* name : {"other", "demox"}) {
    auto ungranted =
        inspect(std::string("GET / HTTP/1.1\r\nX: chitin-secret://") + name + "\r\n\r\n");
    EXPECT_TRUE(ungranted.blocked);
    EXPECT_EQ(ungranted.secret, name);
    EXPECT_NE(ungranted.reason.find("not granted"), std::string::npos);
  }
}

TEST_F(InspectTest, PlainHttpCarriesSecretsToLoopbackLiteralsOnly) {
  scan_.encrypted = false;
  auto clear = inspect("GET / HTTP/1.1\r\nAuthorization: Bearer chitin-secret://demo\r\n\r\n", {},
                       "api.example.com", 80);
  EXPECT_TRUE(clear.blocked);
  EXPECT_EQ(clear.encoding, "plain-http");
  EXPECT_NE(clear.reason.find("unencrypted"), std::string::npos);
  auto header_only = inspect("GET / HTTP/1.1\r\n\r\n", {}, "hdr.example.com", 8443);
  EXPECT_TRUE(header_only.blocked);
  granted_[0].hosts = *parse_rules({"127.0.0.1:8080"});
  auto loopback = inspect("GET / HTTP/1.1\r\nAuthorization: Bearer chitin-secret://demo\r\n\r\n",
                          {}, "127.0.0.1", 8080);
  EXPECT_FALSE(loopback.blocked) << loopback.reason;
  EXPECT_NE(loopback.outbound.find(kValue), std::string::npos);
  // Whatever the client asked for, responses come back uncompressed (so they can be masked).
  auto compressed = inspect("GET / HTTP/1.1\r\nAccept-Encoding: gzip, br\r\n\r\n");
  EXPECT_EQ(compressed.outbound.find("gzip"), std::string::npos);
  EXPECT_NE(compressed.outbound.find("Accept-Encoding: identity\r\n"), std::string::npos);
  EXPECT_TRUE(inspect("TRACE / HTTP/1.1\r\n\r\n").blocked);
}

TEST_F(InspectTest, HeaderOnlySecretsAreAddedForTheirHostAndPortOnly) {
  auto added = inspect("GET / HTTP/1.1\r\n\r\n", {}, "hdr.example.com", 8443);
  ASSERT_FALSE(added.blocked);
  EXPECT_NE(added.outbound.find("x-api-key: Key hdr-value-123456\r\n"), std::string::npos);
  EXPECT_NE(added.outbound.find("Host: hdr.example.com:8443\r\n"), std::string::npos);
  auto other_port = inspect("GET / HTTP/1.1\r\n\r\n", {}, "hdr.example.com", 443);
  EXPECT_EQ(other_port.outbound.find("x-api-key"), std::string::npos);
  // A header the script set itself is left alone.
  auto own = inspect("GET / HTTP/1.1\r\nX-Api-Key: mine\r\n\r\n", {}, "hdr.example.com", 8443);
  EXPECT_EQ(own.outbound.find("hdr-value"), std::string::npos);
}

TEST_F(InspectTest, StoredValuesAreRefusedInAnyEncodingEvenToBoundHosts) {
  for (const std::string& leak :
       {kValue, base64_encode(as_bytes("u:" + kValue)), hex_encode(as_bytes(kValue)),
        std::string("unused-secret-9876")}) {
    auto result = inspect(
        "POST / HTTP/1.1\r\nContent-Length: " + std::to_string(leak.size()) + "\r\n\r\n", leak);
    EXPECT_TRUE(result.blocked) << leak;
  }
  auto in_header = inspect("GET / HTTP/1.1\r\nCookie: s=" + kValue + "\r\n\r\n");
  EXPECT_TRUE(in_header.blocked);
  EXPECT_EQ(in_header.encoding, "raw");
  EXPECT_EQ(in_header.reason.find(kValue), std::string::npos);  // the reason never holds it
}

}  // namespace
}  // namespace chitin::egress
