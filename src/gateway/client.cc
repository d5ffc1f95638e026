#include "gateway/client.h"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <deque>
#include <variant>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/x509_vfy.h>

#include "base/json_depth.h"

namespace chitin::gateway {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kMaxFrameBytes = 16U << 20;

struct Target {
  bool tls = false;
  std::string host;
  std::string port;
};

Result<Target> parse_url(std::string_view url) {
  Target target;
  if (url.starts_with("https://")) {
    target.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return fail(ErrorCode::kInvalidInput,
                "the gateway URL must start with http:// or https:// (as `chitin gateway` "
                "prints it)");
  }
  const std::string_view authority = url.substr(0, url.find('/'));
  const std::size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == authority.size()) {
    return fail(ErrorCode::kInvalidInput, "the gateway URL needs a port (http://HOST:PORT)");
  }
  std::string_view host = authority.substr(0, colon);
  if (host.starts_with('[') && host.ends_with(']')) {
    host = host.substr(1, host.size() - 2);
  }
  target.host.assign(host);
  target.port.assign(authority.substr(colon + 1));
  return target;
}

}  // namespace

struct Client::Impl {
  net::io_context io;
  ssl::context tls_context{ssl::context::tls_client};
  std::variant<std::monostate, websocket::stream<tcp::socket>,
               websocket::stream<ssl::stream<tcp::socket>>>
      ws;
  std::deque<nlohmann::json> events;

  template <class F>
  auto with_stream(F&& f) {
    if (auto* plain = std::get_if<websocket::stream<tcp::socket>>(&ws)) {
      return f(*plain);
    }
    return f(std::get<websocket::stream<ssl::stream<tcp::socket>>>(ws));
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Client::~Client() {
  if (impl_ && impl_->ws.index() != 0) {
    impl_->with_stream([](auto& stream) {
      beast::error_code ignored;
      stream.close(websocket::close_code::normal, ignored);
      return 0;
    });
  }
}

std::string local_gateway_url(const std::string& bind, std::int64_t port, bool tls) {
  std::string host = bind;
  if (host == "0.0.0.0") {
    host = "127.0.0.1";
  } else if (host == "::") {
    host = "::1";
  }
  const bool v6 = host.find(':') != std::string::npos;
  return fmt::format("{}://{}{}{}:{}", tls ? "https" : "http", v6 ? "[" : "", host, v6 ? "]" : "",
                     port);
}

Result<std::unique_ptr<Client>> Client::connect(const std::string& url, const std::string& token,
                                                const std::string& pinned_cert) {
  const Target target = CHITIN_TRY(parse_url(url));
  auto impl = std::make_unique<Impl>();
  beast::error_code ec;
  tcp::resolver resolver(impl->io);
  const auto endpoints = resolver.resolve(target.host, target.port, ec);
  if (ec) {
    return fail(ErrorCode::kUnavailable, "cannot resolve the gateway at {}: {}", url, ec.message());
  }
  const std::string host_header = target.host + ":" + target.port;
  auto handshake = [&](auto& stream) -> Result<void> {
    stream.read_message_max(kMaxFrameBytes);
    stream.handshake(host_header, "/ws", ec);
    if (ec) {
      return fail(ErrorCode::kUnavailable, "the gateway at {} refused the WebSocket: {}", url,
                  ec.message());
    }
    return {};
  };
  if (!target.tls) {
    auto& stream = impl->ws.emplace<websocket::stream<tcp::socket>>(impl->io);
    net::connect(stream.next_layer(), endpoints, ec);
    if (ec) {
      return fail(ErrorCode::kUnavailable,
                  "cannot reach the gateway at {} ({}); is `chitin gateway` running? (or run "
                  "the turn in this process with --local)",
                  url, ec.message());
    }
    CHITIN_RETURN_IF_ERROR(handshake(stream));
  } else {
    if (pinned_cert.empty()) {
      return fail(ErrorCode::kInvalidInput, "an https gateway needs its certificate to pin");
    }
    // Trust exactly the gateway's certificate (it may be self-signed or for another name).
    impl->tls_context.load_verify_file(pinned_cert, ec);
    if (ec) {
      return fail(ErrorCode::kInvalidInput, "cannot read the gateway certificate {}: {}",
                  pinned_cert, ec.message());
    }
    X509_STORE* store = SSL_CTX_get_cert_store(impl->tls_context.native_handle());
    X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    impl->tls_context.set_verify_mode(ssl::verify_peer);
    auto& stream =
        impl->ws.emplace<websocket::stream<ssl::stream<tcp::socket>>>(impl->io, impl->tls_context);
    net::connect(beast::get_lowest_layer(stream), endpoints, ec);
    if (!ec) {
      stream.next_layer().handshake(ssl::stream_base::client, ec);
    }
    if (ec) {
      return fail(ErrorCode::kUnavailable, "cannot reach the gateway at {} over TLS: {}", url,
                  ec.message());
    }
    CHITIN_RETURN_IF_ERROR(handshake(stream));
  }
  auto client = std::make_unique<Client>(std::move(impl));
  CHITIN_TRY(client->call("connect", {{"auth", {{"token", token}}}}));
  return client;
}

Result<nlohmann::json> Client::read_frame() {
  beast::flat_buffer buffer;
  beast::error_code ec;
  impl_->with_stream([&](auto& stream) {
    stream.read(buffer, ec);
    return 0;
  });
  if (ec) {
    return fail(ErrorCode::kUnavailable, "the gateway connection ended: {}", ec.message());
  }
  const std::string text = beast::buffers_to_string(buffer.data());
  if (json_nesting_depth(text) > 64) {
    return fail(ErrorCode::kInvalidInput, "the gateway sent a frame nested too deeply");
  }
  nlohmann::json frame = nlohmann::json::parse(text, nullptr, false);
  if (!frame.is_object()) {
    return fail(ErrorCode::kInvalidInput, "the gateway sent a frame that is not a JSON object");
  }
  return frame;
}

Result<nlohmann::json> Client::call(const std::string& method, const nlohmann::json& params) {
  const std::int64_t id = next_id_++;
  const std::string request =
      nlohmann::json{{"type", "req"}, {"id", id}, {"method", method}, {"params", params}}.dump(
          -1, ' ', false, nlohmann::json::error_handler_t::replace);
  beast::error_code ec;
  impl_->with_stream([&](auto& stream) {
    stream.text(true);
    stream.write(net::buffer(request), ec);
    return 0;
  });
  if (ec) {
    return fail(ErrorCode::kUnavailable, "cannot send to the gateway: {}", ec.message());
  }
  for (;;) {
    nlohmann::json frame = CHITIN_TRY(read_frame());
    if (frame.value("type", "") == "event") {
      impl_->events.push_back(std::move(frame));
      continue;
    }
    if (frame.value("type", "") != "res" || frame.value("id", std::int64_t{-1}) != id) {
      continue;
    }
    if (frame.value("ok", false)) {
      return frame.value("payload", nlohmann::json::object());
    }
    const nlohmann::json error = frame.value("error", nlohmann::json::object());
    const std::string code = error.value("code", "ERROR");
    return fail(code == "INVALID_REQUEST" ? ErrorCode::kInvalidInput
                : code == "FORBIDDEN"     ? ErrorCode::kPermission
                : code == "NOT_FOUND"     ? ErrorCode::kNotFound
                                          : ErrorCode::kUnavailable,
                "the gateway answered {}: {}", code, error.value("message", ""));
  }
}

Result<nlohmann::json> Client::next_event() {
  if (!impl_->events.empty()) {
    nlohmann::json event = std::move(impl_->events.front());
    impl_->events.pop_front();
    return event;
  }
  for (;;) {
    nlohmann::json frame = CHITIN_TRY(read_frame());
    if (frame.value("type", "") == "event") {
      return frame;
    }
  }
}

}  // namespace chitin::gateway
