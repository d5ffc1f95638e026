// Secrets broker benchmark (README "Performance"), run by hand from a release build:
//   build/release/bin/secrets_bench [requests] [secrets]
// 1. Leak scanner: find_all over 4 MiB of JSON-like text with N stored secrets, against the
//    baseline of one std::string_view::find of a single absent 8-byte pattern over the same
//    text (what a single pass over the bytes costs).
// 2. Egress proxy, plain HTTP, sequential requests to a loopback server: direct (baseline),
//    through the proxy with nothing stored, and through the proxy with one granted secret
//    substituted into every request and N stored secrets scanned and masked.

#include <fmt/core.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <thread>

#include "audit/log.h"
#include "base/crypto.h"
#include "base/parse.h"
#include "base/unique_fd.h"
#include "egress/proxy.h"
#include "secrets/leak_scanner.h"
#include "sys/temp_directory.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string random_text(std::size_t size, std::mt19937_64& rng) {
  static constexpr std::string_view kWords[] = {"{\"id\":", "\"name\":\"", "value",   "token",
                                                " ",        "\n",          "12345",   "abcdef",
                                                "\"},",     "sk-",         "Bearer ", "%2F"};
  std::string out;
  while (out.size() < size) {
    out += kWords[rng() % std::size(kWords)];
  }
  out.resize(size);
  return out;
}

std::string random_value(std::mt19937_64& rng) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out = "sk-";
  for (int i = 0; i < 40; ++i) {
    out.push_back(kAlphabet[rng() % kAlphabet.size()]);
  }
  return out;
}

// A loopback HTTP server answering every request with a 2 KiB body, one request per
// connection; it stops when the listener is shut down.
struct Server {
  chitin::UniqueFd listener;
  int port = 0;
  std::thread thread;
  Server() {
    listener.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(listener.get(), 128) != 0) {
      std::abort();
    }
    socklen_t length = sizeof(address);
    ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
    thread = std::thread([this] {
      const std::string body(2048, 'x');
      const std::string response =
          "HTTP/1.1 200 OK\r\nContent-Length: 2048\r\nConnection: close\r\n\r\n" + body;
      for (;;) {
        chitin::UniqueFd client(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!client) {
          return;
        }
        char buffer[8192];
        std::string request;
        while (request.find("\r\n\r\n") == std::string::npos) {
          const ssize_t n = ::recv(client.get(), buffer, sizeof(buffer), 0);
          if (n <= 0) {
            break;
          }
          request.append(buffer, static_cast<std::size_t>(n));
        }
        (void)!::send(client.get(), response.data(), response.size(), MSG_NOSIGNAL);
      }
    });
  }
  ~Server() {
    ::shutdown(listener.get(), SHUT_RDWR);
    thread.join();
  }
};

// One request over a fresh connection; the whole response is read.
std::size_t exchange(int fd, const std::string& request) {
  (void)!::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  char buffer[16384];
  std::size_t total = 0;
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      return total;
    }
    total += static_cast<std::size_t>(n);
  }
}

double requests_per_second(int requests, const std::function<chitin::UniqueFd()>& connect,
                           const std::string& request) {
  const auto start = Clock::now();
  for (int i = 0; i < requests; ++i) {
    chitin::UniqueFd fd = connect();
    if (exchange(fd.get(), request) < 2048) {
      fmt::print(stderr, "short response\n");
      std::exit(1);
    }
  }
  return requests / seconds_since(start);
}

chitin::UniqueFd connect_tcp(int port) {
  chitin::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  (void)::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address));
  return fd;
}

chitin::UniqueFd connect_unix(const std::string& path) {
  chitin::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", path.c_str());
  (void)::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address));
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  const int requests =
      argc > 1 ? chitin::parse_integer<int>(argv[1], 1, 1000000).value_or(2000) : 2000;
  const std::size_t stored =
      argc > 2 ? chitin::parse_integer<std::size_t>(argv[2], 1, 100000).value_or(100) : 100;
  std::mt19937_64 rng(20261206);

  // 1. Leak scanner.
  std::vector<chitin::secrets::NamedValue> values;
  for (std::size_t i = 0; i < stored; ++i) {
    values.push_back({fmt::format("secret{}", i), random_value(rng)});
  }
  const chitin::secrets::LeakScanner scanner(values);
  const std::string text = random_text(4U << 20, rng);
  constexpr int kRounds = 5;
  auto start = Clock::now();
  std::size_t hits = 0;
  for (int i = 0; i < kRounds; ++i) {
    hits += scanner.find_all(text).size();
  }
  const double scan_mbps = kRounds * 4.0 / seconds_since(start);
  // Baseline: what the scanner replaces, one std::string_view::find per stored value (raw
  // form only, no encodings, no decoding views).
  start = Clock::now();
  std::size_t found = 0;
  for (int i = 0; i < kRounds; ++i) {
    for (const auto& value : values) {
      found += std::string_view(text).find(value.value) == std::string_view::npos ? 0 : 1;
    }
  }
  const double find_mbps = kRounds * 4.0 / seconds_since(start);
  fmt::print(
      "leak scanner, {} secrets, all encodings and views ({} hits): {:.1f} MiB/s; "
      "baseline, one find per raw value: {:.1f} MiB/s (ratio {:.2f}) [{}]\n",
      stored, hits, scan_mbps, find_mbps, scan_mbps / find_mbps, found);

  // 2. The proxy.
  Server server;
  auto dir = chitin::sys::TempDirectory::create("secrets-bench");
  if (!dir) {
    return 1;
  }
  chitin::audit::LogOptions log_options;
  log_options.dir = dir->path() + "/audit";
  ::mkdir(log_options.dir.c_str(), 0700);
  auto log =
      chitin::audit::AuditLog::open(log_options, chitin::crypto::ed25519_generate().secret_key);
  if (!log) {
    fmt::print(stderr, "{}\n", log.error().describe());
    return 1;
  }
  const std::string host = fmt::format("127.0.0.1:{}", server.port);
  const auto run_proxy = [&](bool with_secrets) {
    chitin::egress::ProxyOptions options;
    options.socket_path = dir->path() + (with_secrets ? "/with.sock" : "/plain.sock");
    options.rules = *chitin::egress::parse_rules({host});
    options.audit = log->get();
    options.privacy_cache_dir = dir->path() + "/cache";
    if (with_secrets) {
      chitin::egress::GrantedSecret grant;
      grant.name = "demo";
      grant.value = values.front().value;
      grant.hosts = options.rules;
      options.secrets.push_back(grant);
      options.stored_secrets = std::make_shared<const chitin::secrets::LeakScanner>(values);
      std::string unused_dir = dir->path();
      if (!chitin::egress::create_local_ca(unused_dir + "/ca.key", unused_dir + "/ca.pem")) {
        std::abort();
      }
      options.ca = *chitin::egress::LocalCa::load(unused_dir + "/ca.key", unused_dir + "/ca.pem");
    }
    auto proxy = chitin::egress::EgressProxy::start(std::move(options));
    if (!proxy) {
      fmt::print(stderr, "{}\n", proxy.error().describe());
      std::exit(1);
    }
    const std::string path = (*proxy)->socket_path();
    const std::string request = fmt::format(
        "GET http://{}/v1/models HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n"
        "Accept: */*\r\n\r\n",
        host, host, with_secrets ? "chitin-secret://demo" : "none-0000");
    // Warm-up (the secret-shape database is loaded on first use).
    (void)requests_per_second(
        10, [&] { return connect_unix(path); }, request);
    return requests_per_second(
        requests, [&] { return connect_unix(path); }, request);
  };
  const std::string direct_request =
      fmt::format("GET /v1/models HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", host);
  const double direct = requests_per_second(
      requests, [&] { return connect_tcp(server.port); }, direct_request);
  const double plain = run_proxy(false);
  const double secret = run_proxy(true);
  fmt::print(
      "plain HTTP, {} sequential requests: direct {:.0f}/s; proxy, nothing stored {:.0f}/s "
      "(ratio {:.2f}); proxy, 1 granted + {} stored {:.0f}/s (ratio {:.2f})\n",
      requests, direct, plain, plain / direct, stored, secret, secret / direct);
  return 0;
}
