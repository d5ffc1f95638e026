#include "support/tls_http_server.h"

#include <sys/socket.h>

#include "base/check.h"
#include "base/parse.h"
#include "egress/local_ca.h"
#include "support/http_server.h"

namespace chitin::testing {

TlsHttpServer::TlsHttpServer(const std::string& dir, std::string body, bool echo)
    : body_(std::move(body)), echo_(echo), ca_file_(dir + "/test-ca.pem") {
  CHITIN_CHECK(egress::create_local_ca(dir + "/test-ca.key", ca_file_).has_value(),
               "test CA cannot be created");
  auto ca = egress::LocalCa::load(dir + "/test-ca.key", ca_file_);
  CHITIN_CHECK(ca.has_value(), "test CA cannot be loaded");
  auto context = (*ca)->server_context("127.0.0.1");
  CHITIN_CHECK(context.has_value(), "test server certificate");
  context_ = *context;
  listener_ = listen_on_loopback(port_);
  thread_ = std::thread([this] {
    for (;;) {
      UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!client) {
        return;  // shut down
      }
      const timeval timeout{30, 0};
      ::setsockopt(client.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
      SSL* ssl = SSL_new(context_);
      SSL_set_fd(ssl, client.get());
      if (SSL_accept(ssl) == 1) {
        std::string request;
        char buffer[4096];
        for (;;) {
          const auto head_end = request.find("\r\n\r\n");
          if (head_end != std::string::npos) {
            std::size_t body_length = 0;
            const auto at = request.find("Content-Length: ");
            if (at != std::string::npos && at < head_end) {
              const auto end = request.find("\r\n", at);
              body_length =
                  parse_integer<std::size_t>(
                      std::string_view(request).substr(at + 16, end - at - 16), 0, 1U << 20)
                      .value_or(0);
            }
            if (request.size() >= head_end + 4 + body_length) {
              break;
            }
          }
          const int n = SSL_read(ssl, buffer, sizeof(buffer));
          if (n <= 0) {
            break;
          }
          request.append(buffer, static_cast<std::size_t>(n));
        }
        {
          std::lock_guard lock(mu_);
          last_request_ = request;
          ++requests_;
        }
        const std::string& answer = echo_ ? request : body_;
        const std::string response =
            "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(answer.size()) +
            "\r\nConnection: close\r\n\r\n" + answer;
        SSL_write(ssl, response.data(), static_cast<int>(response.size()));
        SSL_shutdown(ssl);
      }
      SSL_free(ssl);
    }
  });
}

TlsHttpServer::~TlsHttpServer() {
  ::shutdown(listener_.get(), SHUT_RDWR);
  thread_.join();
  SSL_CTX_free(context_);
}

std::string TlsHttpServer::last_request() {
  std::lock_guard lock(mu_);
  return last_request_;
}

int TlsHttpServer::requests() {
  std::lock_guard lock(mu_);
  return requests_;
}

}  // namespace chitin::testing
