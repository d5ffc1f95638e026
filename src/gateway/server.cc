#include "gateway/server.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <sys/resource.h>

#include <deque>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "base/log.h"
#include "config/schema.h"
#include "gateway/beast_compat.h"
#include "gateway/http_rules.h"
#include "gateway/routes.h"
#include "gateway/rpc.h"

namespace chitin::gateway {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

namespace {

std::string address_of(const tcp::socket& socket) {
  error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  return ec ? std::string("unknown") : endpoint.address().to_string();
}

// Counts a connection for as long as it lives.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(GatewayContext& context) : context_(context) { ++context_.connections; }
  ~ConnectionSlot() { --context_.connections; }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

 private:
  GatewayContext& context_;
};

// ---- WebSocket ---------------------------------------------------------------------------

template <class Stream>
class WsSession : public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  WsSession(Stream&& stream, GatewayContext& context, std::unique_ptr<ConnectionSlot> slot,
            std::optional<Principal> principal, std::string address)
      : ws_(std::move(stream)),
        context_(context),
        slot_(std::move(slot)),
        timer_(ws_.get_executor()) {
    connection_.id = context_.next_connection_id++;
    connection_.address = std::move(address);
    connection_.principal = std::move(principal);
  }

  ~WsSession() {
    // Turns this connection started end with it (the CLI's Ctrl-C, a closed console tab).
    for (const std::string& run : connection_.runs) {
      context_.chat().abort(run);
    }
  }

  void run(Request request) {
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = context_.limits().ws_auth_timeout;
    timeout.idle_timeout = context_.limits().ws_idle_timeout;
    timeout.keep_alive_pings = true;
    ws_.set_option(timeout);
    ws_.read_message_max(connection_.principal ? context_.limits().ws_max_message
                                               : context_.limits().ws_max_message_preauth);
    const bool tls = context_.tls();
    ws_.set_option(websocket::stream_base::decorator([tls](websocket::response_type& response) {
      for (const auto& [name, value] : security_headers()) {
        response.set(to_beast(name), to_beast(value));
      }
      if (tls) {
        response.set(http::field::strict_transport_security, "max-age=31536000");
      }
      response.set(http::field::server, "chitin");
    }));
    // A connection that has not authenticated within the limit is closed.
    if (!connection_.principal) {
      timer_.expires_after(context_.limits().ws_auth_timeout);
      timer_.async_wait([self = this->shared_from_this()](error_code ec) {
        if (!ec && !self->connection_.principal) {
          self->close(websocket::close_code::policy_error);
        }
      });
    }
    // Events from agent turns arrive on other threads: they are posted onto this session's
    // strand and dropped once the session is gone.
    connection_.push = [weak = this->weak_from_this(),
                        executor = ws_.get_executor()](const nlohmann::json& frame) {
      std::string text = frame.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      net::post(executor, [weak, text = std::move(text)]() mutable {
        if (auto self = weak.lock()) {
          self->enqueue(std::move(text));
        }
      });
    };
    ws_.async_accept(request, [self = this->shared_from_this()](error_code ec) {
      if (!ec) {
        self->read();
      }
    });
  }

 private:
  void read() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(error_code ec) {
    if (ec) {
      timer_.cancel();
      return;  // closed, timed out, or over the message cap (Beast closes with 1009)
    }
    if (!ws_.got_text()) {
      buffer_.consume(buffer_.size());
      close(websocket::close_code::bad_payload);
      return;
    }
    const std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    const bool was_authenticated = connection_.principal.has_value();
    FrameResult result = handle_frame(context_, connection_, text);
    if (!was_authenticated && connection_.principal) {
      timer_.cancel();
      ws_.read_message_max(context_.limits().ws_max_message);
    }
    if (!result.reply.is_null()) {
      enqueue(result.reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    if (result.close) {
      close_after_writes_ = true;
      if (!writing_) {
        close(websocket::close_code::policy_error);
      }
      return;
    }
    read();
  }

  // Frames go out one at a time, in order: replies from the read loop and events pushed by
  // agent turns (posted onto this connection's strand from their threads).
  void enqueue(std::string frame) {
    if (closing_) {
      return;
    }
    if (outbox_.size() >= kMaxQueuedFrames) {
      close(websocket::close_code::try_again_later);  // a client that stopped reading
      return;
    }
    outbox_.push_back(std::move(frame));
    if (!writing_) {
      write_next();
    }
  }

  void write_next() {
    if (outbox_.empty()) {
      writing_ = false;
      if (close_after_writes_) {
        close(websocket::close_code::policy_error);
      }
      return;
    }
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(outbox_.front()),
                    [self = this->shared_from_this()](error_code write_ec, std::size_t) {
                      self->outbox_.pop_front();
                      if (write_ec) {
                        self->writing_ = false;
                        return;
                      }
                      self->write_next();
                    });
  }

  // Once only: the auth timer and a refused first frame may both want to close.
  void close(websocket::close_code code) {
    if (closing_) {
      return;
    }
    closing_ = true;
    ws_.async_close(code, [self = this->shared_from_this()](error_code) {});
  }

  websocket::stream<Stream> ws_;
  GatewayContext& context_;
  std::unique_ptr<ConnectionSlot> slot_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  bool writing_ = false;
  bool close_after_writes_ = false;
  Connection connection_;
  bool closing_ = false;
  static constexpr std::size_t kMaxQueuedFrames = 4096;
};

// ---- HTTP --------------------------------------------------------------------------------

template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(Stream&& stream, GatewayContext& context, bool over_limit)
      : stream_(std::move(stream)),
        context_(context),
        slot_(std::make_unique<ConnectionSlot>(context)),
        over_limit_(over_limit),
        buffer_(context.limits().max_header_bytes + context.limits().max_body_bytes) {
    address_ = address_of(beast::get_lowest_layer(stream_).socket());
  }

  void run() {
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).expires_after(context_.limits().request_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code ec) {
                                if (!ec) {
                                  self->start();
                                }
                              });
    } else {
      start();
    }
  }

 private:
  void start() {
    if (over_limit_) {
      send(bare_error(http::status::service_unavailable, "too_many_connections",
                      "the gateway is at its connection limit; retry later"),
           true);
      return;
    }
    read_header();
  }

  void read_header() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(context_.limits().max_header_bytes));
    parser_->body_limit(context_.limits().max_body_bytes);
    beast::get_lowest_layer(stream_).expires_after(
        first_request_ ? context_.limits().request_timeout : context_.limits().idle_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(error_code ec) {
    // A timeout (slowloris: a head that never completes) has already closed the socket
    // (beast::tcp_stream closes on expiry), so there is no one left to answer.
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::eof) {
      shutdown();
      return;
    }
    if (ec == http::error::body_limit) {  // a Content-Length over the cap, seen in the head
      send(bare_error(http::status::payload_too_large, "body_too_large",
                      fmt::format("request bodies are limited to {} bytes",
                                  context_.limits().max_body_bytes)),
           true);
      return;
    }
    if (ec == http::error::header_limit) {
      send(bare_error(http::status::request_header_fields_too_large, "header_too_large",
                      fmt::format("request headers are limited to {} bytes",
                                  context_.limits().max_header_bytes)),
           true);
      return;
    }
    if (ec) {
      send(bare_error(http::status::bad_request, "bad_request",
                      fmt::format("malformed request: {}", ec.message())),
           true);
      return;
    }
    first_request_ = false;
    const Request& request = parser_->get();
    if (auto refusal = check_head(request)) {
      send(std::move(*refusal), true);
      return;
    }
    if (websocket::is_upgrade(request)) {
      upgrade();
      return;
    }
    // Requests that carry no credential get a small body: an unauthenticated client cannot
    // make the gateway hold a megabyte per connection (/api/login needs a few bytes). Beast
    // checks its body limit against Content-Length only while parsing the head, so the
    // smaller limit is applied here.
    const bool credentials =
        request.count(http::field::authorization) > 0 || request.count(http::field::cookie) > 0;
    if (!credentials || target_path(to_std(request.target())) == "/api/login") {
      const auto length = parser_->content_length();
      if (!length && parser_->chunked()) {
        send(error_response(request, http::status::length_required, "length_required",
                            "requests without credentials must send Content-Length"),
             true);
        return;
      }
      if (length && *length > context_.limits().max_unauthenticated_body_bytes) {
        send(bare_error(http::status::payload_too_large, "body_too_large",
                        fmt::format("requests without credentials are limited to {} bytes",
                                    context_.limits().max_unauthenticated_body_bytes)),
             true);
        return;
      }
    }
    beast::get_lowest_layer(stream_).expires_after(context_.limits().body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](error_code read_ec, std::size_t) {
                       self->on_body(read_ec);
                     });
  }

  // Everything decided from the head alone: ambiguity, credentials in the URL, Origin.
  std::optional<Response> check_head(const Request& request) {
    std::size_t fields = 0;
    std::size_t content_lengths = 0;
    for (const auto& field : request) {
      ++fields;
      if (field.name() == http::field::content_length) {
        ++content_lengths;
      }
    }
    if (fields > context_.limits().max_header_fields) {
      return error_response(
          request, http::status::request_header_fields_too_large, "too_many_headers",
          fmt::format("at most {} header fields", context_.limits().max_header_fields));
    }
    // RFC 9112 §6.3: a message with both is a smuggling attempt; refuse rather than guess.
    if (content_lengths > 1 ||
        (content_lengths > 0 && request.count(http::field::transfer_encoding) > 0)) {
      return error_response(request, http::status::bad_request, "ambiguous_length",
                            "a request may carry Content-Length or Transfer-Encoding, once");
    }
    const std::string credential = credential_in_query(to_std(request.target()));
    if (!credential.empty()) {
      context_.audit_throttled(
          "auth.token_in_url", address_,
          {{"parameter", credential},
           {"path", std::string(target_path(to_std(request.target())).substr(0, 128))}});
      return error_response(request, http::status::bad_request, "credential_in_url",
                            "credentials are never accepted in URLs; send 'Authorization: "
                            "Bearer <token>' or log in on the console");
    }
    const auto origin = request.find(http::field::origin);
    if (origin != request.end()) {
      const std::string value(to_std(origin->value()));
      origin_ok_ = context_.origin_allowed(value);
      if (!origin_ok_) {
        context_.audit_throttled(
            "auth.origin_rejected", address_,
            {{"origin", value.substr(0, 256)},
             {"path", std::string(target_path(to_std(request.target())).substr(0, 128))},
             {"websocket", websocket::is_upgrade(request)}});
        return error_response(request, http::status::forbidden, "origin_not_allowed",
                              "this Origin may not use the gateway (see gateway.allowed_origins)");
      }
    } else {
      origin_ok_ = false;
    }
    return std::nullopt;
  }

  void upgrade() {
    const Request& request = parser_->get();
    if (target_path(to_std(request.target())) != "/ws") {
      send(error_response(request, http::status::not_found, "not_found", "WebSocket is at /ws"),
           true);
      return;
    }
    // The console cookie counts only with our own Origin (browsers always send one on
    // WebSocket upgrades; a cookie without it is not from our page).
    std::optional<Principal> principal;
    const auto cookie = request.find(http::field::cookie);
    if (cookie != request.end() && origin_ok_) {
      principal = context_.authenticate_cookie(to_std(cookie->value()));
    }
    auto session = std::make_shared<WsSession<Stream>>(std::move(stream_), context_,
                                                       std::move(slot_), principal, address_);
    session->run(parser_->release());
  }

  void on_body(error_code ec) {
    if (ec == http::error::body_limit) {
      send(bare_error(http::status::payload_too_large, "body_too_large",
                      fmt::format("request bodies are limited to {} bytes",
                                  context_.limits().max_body_bytes)),
           true);
      return;
    }
    if (ec == beast::error::timeout) {
      return;  // the socket is closed already
    }
    if (ec) {
      send(bare_error(http::status::bad_request, "bad_request",
                      fmt::format("malformed request: {}", ec.message())),
           true);
      return;
    }
    Request request = parser_->release();
    Response response = handle_http(context_, request, RequestInfo{address_, origin_ok_});
    send(std::move(response), !request.keep_alive());
  }

  void send(Response response, bool close) {
    add_security_headers(response, context_.tls());
    if (close) {
      response.keep_alive(false);
    }
    auto shared = std::make_shared<Response>(std::move(response));
    beast::get_lowest_layer(stream_).expires_after(context_.limits().request_timeout);
    http::async_write(stream_, *shared,
                      [self = this->shared_from_this(), shared, close](error_code ec, std::size_t) {
                        if (ec || close) {
                          self->shutdown();
                          return;
                        }
                        self->read_header();
                      });
  }

  void shutdown() {
    error_code ec;
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ec);
    } else {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Stream stream_;
  GatewayContext& context_;
  std::unique_ptr<ConnectionSlot> slot_;
  bool over_limit_;
  bool first_request_ = true;
  bool origin_ok_ = false;
  std::string address_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

std::string insecure_bind_reason(const std::string& bind, const config::GatewayConfig& gateway) {
  if (config::is_loopback_literal(bind)) {
    return {};
  }
  if (gateway.tls_cert.empty() || gateway.tls_key.empty()) {
    return fmt::format(
        "refusing to listen on {} without TLS: anything but loopback needs gateway.tls_cert and "
        "gateway.tls_key in chitin.toml (token auth is always on). To reach a loopback gateway "
        "from elsewhere, use an SSH tunnel: ssh -N -L 18790:127.0.0.1:18790 HOST",
        bind);
  }
  return {};
}

struct Server::Impl {
  Impl(GatewayOptions options, audit::AuditLog& log)
      : context(std::move(options), log), ssl_context(ssl::context::tls_server) {}

  void accept_next() {
    acceptor->async_accept(net::make_strand(io), [this](error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec != net::error::operation_aborted && acceptor->is_open()) {
          // Out of fds (EMFILE/ENFILE) would fail again at once: back off instead of spinning.
          backoff.expires_after(std::chrono::milliseconds(100));
          backoff.async_wait([this](error_code wait_ec) {
            if (!wait_ec) {
              accept_next();
            }
          });
        }
        return;
      }
      // Asio does not ask for close-on-exec; set it at once so the socket never leaks into a
      // process spawned from this one (ChildProcess relies on O_CLOEXEC).
      ::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);
      socket.set_option(tcp::no_delay(true), ec);
      const bool over_limit =
          context.connections.load() >= context.options().config.gateway.max_connections;
      if (context.tls()) {
        std::make_shared<HttpSession<beast::ssl_stream<beast::tcp_stream>>>(
            beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), ssl_context),
            context, over_limit)
            ->run();
      } else {
        std::make_shared<HttpSession<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)),
                                                         context, over_limit)
            ->run();
      }
      accept_next();
    });
  }

  GatewayContext context;
  net::io_context io;
  ssl::context ssl_context;
  std::optional<tcp::acceptor> acceptor;
  net::steady_timer backoff{io};
  std::vector<std::thread> threads;
  std::mutex stop_mu;
  bool stopped = false;
};

Server::Server(PrivateTag /*tag*/, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  stop();
  wait();
}

Result<std::unique_ptr<Server>> Server::create(GatewayOptions options, audit::AuditLog& log) {
  if (const std::string reason = insecure_bind_reason(options.bind, options.config.gateway);
      !reason.empty()) {
    return fail(ErrorCode::kPermission, "{}", reason);
  }
  error_code ec;
  const auto address = net::ip::make_address(options.bind, ec);
  if (ec) {
    return fail(ErrorCode::kInvalidInput, "'{}' is not an IP address to listen on", options.bind);
  }
  const int port = options.port;
  auto impl = std::make_unique<Impl>(std::move(options), log);
  if (impl->context.tls()) {
    const auto& gateway = impl->context.options().config.gateway;
    impl->ssl_context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                                      ssl::context::no_tlsv1_1,
                                  ec);
    impl->ssl_context.use_certificate_chain_file(gateway.tls_cert, ec);
    if (ec) {
      return fail(ErrorCode::kInvalidInput, "cannot load gateway.tls_cert {}: {}", gateway.tls_cert,
                  ec.message());
    }
    impl->ssl_context.use_private_key_file(gateway.tls_key, ssl::context::pem, ec);
    if (ec) {
      return fail(ErrorCode::kInvalidInput, "cannot load gateway.tls_key {}: {}", gateway.tls_key,
                  ec.message());
    }
  }
  impl->acceptor.emplace(impl->io);
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  impl->acceptor->open(endpoint.protocol(), ec);
  if (!ec) {
    ::fcntl(impl->acceptor->native_handle(), F_SETFD, FD_CLOEXEC);
    impl->acceptor->set_option(net::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    impl->acceptor->bind(endpoint, ec);
  }
  if (!ec) {
    impl->acceptor->listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return fail(ErrorCode::kUnavailable, "cannot listen on {}:{}: {}", impl->context.options().bind,
                port, ec.message());
  }
  impl->context.set_listening_port(impl->acceptor->local_endpoint().port());
  return std::make_unique<Server>(PrivateTag{}, std::move(impl));
}

Result<void> Server::start() {
  // One fd per connection: allow as many as the hard limit permits.
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  impl_->accept_next();
  for (int i = 0; i < std::max(1, impl_->context.options().threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
  return {};
}

void Server::stop() {
  std::lock_guard lock(impl_->stop_mu);
  if (impl_->stopped) {
    return;
  }
  impl_->stopped = true;
  // Agent turns first: they post events onto connections, which need the io_context alive.
  impl_->context.chat().stop();
  net::dispatch(impl_->io, [this] {
    error_code ec;
    impl_->acceptor->close(ec);
  });
  impl_->io.stop();
}

void Server::wait() {
  for (std::thread& thread : impl_->threads) {
    if (thread.joinable()) {
      thread.join();
    }
  }
}

int Server::port() const { return impl_->context.port(); }
GatewayContext& Server::context() { return impl_->context; }

}  // namespace chitin::gateway
