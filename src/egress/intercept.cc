#include "egress/intercept.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/err.h>
#include <poll.h>

#include <chrono>
#include <memory>

#include <openssl/x509v3.h>

#include "base/crypto.h"
#include "egress/poll_wait.h"
#include "egress/rules.h"
#include "egress/tls_sni.h"

namespace chitin::egress {

namespace {

constexpr int kStepTimeoutMs = 10000;
constexpr int kResponseIdleMs = 300000;

struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;

std::string openssl_error() {
  char buffer[256] = "connection closed";
  if (const unsigned long code = ERR_get_error(); code != 0) {
    ERR_error_string_n(code, buffer, sizeof(buffer));
  }
  ERR_clear_error();
  return buffer;
}

// Runs one OpenSSL operation on a non-blocking socket to completion, waiting as it asks.
// Returns its result: > 0 done, 0 clean close, < 0 failure, timeout or stop.
int ssl_call(SSL* ssl, int fd, int stop_fd, int timeout_ms, const std::function<int()>& op) {
  for (;;) {
    const int rc = op();
    if (rc > 0) {
      return rc;
    }
    const int error = SSL_get_error(ssl, rc);
    if (error == SSL_ERROR_ZERO_RETURN) {
      return 0;
    }
    const short events = error == SSL_ERROR_WANT_READ    ? POLLIN
                         : error == SSL_ERROR_WANT_WRITE ? POLLOUT
                                                         : 0;
    if (events == 0 || !wait_for(fd, events, stop_fd, timeout_ms)) {
      return -1;
    }
  }
}

bool write_all(SSL* ssl, int fd, int stop_fd, std::string_view data) {
  while (!data.empty()) {
    const int n = ssl_call(ssl, fd, stop_fd, kStepTimeoutMs, [&] {
      return SSL_write(ssl, data.data(),
                       static_cast<int>(std::min<std::size_t>(data.size(), 1 << 20)));
    });
    if (n <= 0) {
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

void respond(SSL* ssl, int fd, int stop_fd, int status, std::string_view reason,
             std::string_view body) {
  (void)write_all(ssl, fd, stop_fd,
                  fmt::format("HTTP/1.1 {} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n"
                              "Connection: close\r\n\r\n{}",
                              status, reason, body.size(), body));
  (void)SSL_shutdown(ssl);
}

}  // namespace

Result<SSL_CTX*> new_upstream_context() {
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  if (context == nullptr) {
    return fail(ErrorCode::kInternal, "new TLS client context: {}", openssl_error());
  }
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_set_default_verify_paths(context) != 1) {
    SSL_CTX_free(context);
    return fail(ErrorCode::kUnavailable, "cannot load the system's trusted CAs: {}",
                openssl_error());
  }
  return context;
}

InterceptOutcome intercept_tunnel(const InterceptParams& p) {
  InterceptOutcome outcome;
  const auto failed = [&](std::string problem) {
    outcome.problem = std::move(problem);
    return outcome;
  };
  set_nonblocking(p.client);

  // 1. The client's TLS, ended here with a certificate for the CONNECT host.
  auto context = p.ca->server_context(p.host);
  if (!context) {
    return failed(context.error().describe());
  }
  SslPtr client(SSL_new(*context));
  SSL_CTX_free(*context);  // the SSL holds its own reference
  if (!client || SSL_set_fd(client.get(), p.client) != 1) {
    return failed("cannot set up TLS towards the client: " + openssl_error());
  }
  if (ssl_call(client.get(), p.client, p.stop_fd, kStepTimeoutMs,
               [&] { return SSL_accept(client.get()); }) <= 0) {
    return failed(
        fmt::format("TLS with the sandboxed client failed ({}); does it trust the "
                    "local egress CA?",
                    openssl_error()));
  }
  sockaddr_storage ip{};
  const bool literal = parse_ip_literal(p.host, ip);
  const char* sni = SSL_get_servername(client.get(), TLSEXT_NAMETYPE_host_name);
  if (!literal && (sni == nullptr || !sni_names_host(sni, p.host))) {
    respond(client.get(), p.client, p.stop_fd, 403, "Forbidden",
            "chitin egress: TLS SNI does not match the CONNECT host\n");
    return failed(fmt::format("TLS SNI '{}' does not match CONNECT host '{}'",
                              sni == nullptr ? "" : sni, p.host));
  }

  // 2. One request: head, then its Content-Length body.
  std::string buffer;
  std::size_t head_size = 0;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kStepTimeoutMs);
  const auto read_more = [&]() {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      return false;
    }
    char chunk[16384];
    const int n = ssl_call(client.get(), p.client, p.stop_fd, static_cast<int>(left),
                           [&] { return SSL_read(client.get(), chunk, sizeof(chunk)); });
    if (n <= 0) {
      return false;
    }
    buffer.append(chunk, static_cast<std::size_t>(n));
    return true;
  };
  while (head_size == 0) {
    if (!read_more()) {
      return failed("the client sent no complete request");
    }
    auto length = head_length(buffer);
    if (!length) {
      respond(client.get(), p.client, p.stop_fd, 400, "Bad Request",
              fmt::format("chitin egress: {}\n", length.error().message));
      return failed(length.error().message);
    }
    head_size = *length;
  }
  auto request =
      parse_tunnelled_request(std::string_view(buffer).substr(0, head_size), p.host, p.port);
  if (!request) {
    respond(client.get(), p.client, p.stop_fd, 400, "Bad Request",
            fmt::format("chitin egress: {}\n", request.error().message));
    return failed(request.error().message);
  }
  outcome.method = request->method;
  while (buffer.size() - head_size < request->content_length) {
    if (!read_more()) {
      return failed("the client sent less body than its Content-Length");
    }
  }
  const std::string_view body = std::string_view(buffer).substr(head_size, request->content_length);

  // 3. Inspection: refuse, or the request to send.
  auto inspection = p.inspect(*request, body);
  crypto::wipe(buffer);
  if (!inspection) {
    respond(client.get(), p.client, p.stop_fd, 403, "Forbidden",
            "chitin egress: the request could not be inspected, so it was not sent\n");
    return failed(inspection.error().describe());
  }
  outcome.inspection = std::move(*inspection);
  if (outcome.inspection.blocked) {
    outcome.blocked = true;
    respond(client.get(), p.client, p.stop_fd, 403, "Forbidden",
            fmt::format("chitin egress: blocked: {}\n", outcome.inspection.reason));
    return outcome;
  }

  // 4. Our own verified TLS to the server, connected only now.
  auto connected = p.connect();
  if (!connected) {
    respond(client.get(), p.client, p.stop_fd, 502, "Bad Gateway",
            fmt::format("chitin egress: {}\n", connected.error().describe()));
    return failed(connected.error().describe());
  }
  const int server_fd = connected->get();
  set_nonblocking(server_fd);
  SslPtr server(SSL_new(p.upstream));
  if (!server || SSL_set_fd(server.get(), server_fd) != 1) {
    return failed("cannot set up TLS towards the server: " + openssl_error());
  }
  // Without the name (or address) to check, any trusted certificate would do: fail closed.
  const bool checked =
      literal ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(server.get()), p.host.c_str()) == 1
              : SSL_set1_host(server.get(), p.host.c_str()) == 1 &&
                    // SSL_set_tlsext_host_name is a macro with an old-style cast; this is its
                    // expansion.
                    SSL_ctrl(server.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                             const_cast<char*>(p.host.c_str())) == 1;
  if (!checked) {
    respond(client.get(), p.client, p.stop_fd, 502, "Bad Gateway",
            "chitin egress: cannot set up server name verification\n");
    return failed("cannot set up server name verification: " + openssl_error());
  }
  if (ssl_call(server.get(), server_fd, p.stop_fd, kStepTimeoutMs,
               [&] { return SSL_connect(server.get()); }) <= 0) {
    const long verify = SSL_get_verify_result(server.get());
    const std::string why =
        verify != X509_V_OK ? X509_verify_cert_error_string(verify) : openssl_error();
    respond(client.get(), p.client, p.stop_fd, 502, "Bad Gateway",
            fmt::format("chitin egress: TLS to {} failed: {}\n", p.host, why));
    return failed(fmt::format("TLS to {}:{} failed: {}", p.host, p.port, why));
  }
  const bool sent = write_all(server.get(), server_fd, p.stop_fd, outcome.inspection.outbound);
  outcome.up = outcome.inspection.outbound.size();
  crypto::wipe(outcome.inspection.outbound);
  if (!sent) {
    respond(client.get(), p.client, p.stop_fd, 502, "Bad Gateway",
            "chitin egress: the server closed the connection\n");
    return failed("the server closed the connection before the request was sent");
  }
  // 5. The response, relayed until the server closes.
  // Stored values the server echoes are masked (same length) before the sandbox sees them.
  secrets::StreamMasker masker(p.stored);
  char chunk[32768];
  for (;;) {
    const int n = ssl_call(server.get(), server_fd, p.stop_fd, kResponseIdleMs,
                           [&] { return SSL_read(server.get(), chunk, sizeof(chunk)); });
    if (n <= 0) {
      (void)write_all(client.get(), p.client, p.stop_fd, masker.finish());
      break;
    }
    if (!write_all(client.get(), p.client, p.stop_fd,
                   masker.feed(std::string_view(chunk, static_cast<std::size_t>(n))))) {
      break;
    }
    outcome.down += static_cast<std::uint64_t>(n);
  }
  (void)SSL_shutdown(client.get());
  ERR_clear_error();
  return outcome;
}

}  // namespace chitin::egress
