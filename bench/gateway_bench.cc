// Gateway benchmark (issue #7). Run by hand on a release build, from the repository root:
//   build/release/bin/gateway_bench [CONNECTIONS] [REQUESTS]
// In one run, against a fresh state directory:
//   ready       median of 20 starts of `chitin gateway --port 0` until its "ready" line
//               (baseline: `chitin --version`, the process start-up floor);
//   idle RSS    VmRSS of the running gateway after one request;
//   RSS with N  VmRSS after N (default 1,000) WebSocket connections, each authenticated with
//               a `connect` frame and left idle;
//   health/s    `health` over one WebSocket, request after response, REQUESTS times
//               (baseline: GET /healthz over one keep-alive HTTP connection, same count).

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "base/child_process.h"
#include "base/parse.h"
#include "sys/file_ops.h"
#include "sys/temp_directory.h"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

long rss_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) {
      std::string digits;
      for (const char c : line) {
        if (c >= '0' && c <= '9') {
          digits.push_back(c);
        }
      }
      return chitin::parse_integer<long>(digits).value_or(-1);
    }
  }
  return -1;
}

struct Gateway {
  chitin::ChildProcess process;
  int port = 0;
  double ready_ms = 0;
};

std::optional<Gateway> start_gateway(const std::string& chitin,
                                     const std::vector<std::string>& env) {
  chitin::SpawnOptions options;
  options.argv = {chitin, "gateway", "--port", "0"};
  options.env = env;
  options.stdout_mode = chitin::Stdio::kPipe;
  options.stderr_mode = chitin::Stdio::kNull;
  options.stdin_mode = chitin::Stdio::kNull;
  const auto start = Clock::now();
  auto child = chitin::ChildProcess::spawn(options);
  if (!child) {
    return std::nullopt;
  }
  std::string out;
  char buffer[4096];
  while (out.find("ready on http://127.0.0.1:") == std::string::npos ||
         out.find('/', out.find("127.0.0.1:")) == std::string::npos) {
    const ssize_t n = ::read(child->stdout_pipe().get(), buffer, sizeof(buffer));
    if (n <= 0) {
      return std::nullopt;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
  const double ready = ms_since(start);
  const auto at = out.find("127.0.0.1:") + 10;
  const int port = chitin::parse_integer<int>(out.substr(at, out.find('/', at) - at)).value_or(0);
  return Gateway{std::move(*child), port, ready};
}

}  // namespace

int main(int argc, char** argv) {
  const int connections =
      argc > 1 ? chitin::parse_integer<int>(argv[1], 1, 20000).value_or(1000) : 1000;
  const int requests =
      argc > 2 ? chitin::parse_integer<int>(argv[2], 1, 10000000).value_or(20000) : 20000;
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);

  const std::string chitin = "build/release/bin/chitin";
  auto scratch = chitin::sys::TempDirectory::create("chitin-gateway-bench");
  if (!scratch) {
    return 1;
  }
  const std::vector<std::string> env = {"PATH=/usr/bin:/bin", "HOME=" + scratch->path(),
                                        "CHITIN_HOME=" + scratch->path() + "/home"};
  chitin::SpawnOptions init;
  init.argv = {chitin, "init"};
  init.env = env;
  init.stdin_mode = chitin::Stdio::kNull;
  if (auto run = chitin::run_captured(init); !run || !run->status.success()) {
    std::fprintf(stderr,
                 "chitin init failed (run from the repository root after a release build)\n");
    return 1;
  }
  const std::string token = *chitin::sys::read_file(scratch->path() + "/home/gateway.token", 4096);
  const std::string owner = token.substr(0, token.find('\n'));

  std::vector<double> version_ms;
  std::vector<double> ready_ms;
  for (int i = 0; i < 20; ++i) {
    chitin::SpawnOptions version;
    version.argv = {chitin, "--version"};
    version.env = env;
    version.stdin_mode = chitin::Stdio::kNull;
    const auto start = Clock::now();
    (void)chitin::run_captured(version);
    version_ms.push_back(ms_since(start));
    auto gateway = start_gateway(chitin, env);
    if (!gateway) {
      std::fprintf(stderr, "the gateway did not start\n");
      return 1;
    }
    ready_ms.push_back(gateway->ready_ms);
    (void)gateway->process.kill(SIGTERM);
    (void)gateway->process.wait();
  }
  std::printf("ready: median %.1f ms (baseline chitin --version %.1f ms)\n", median(ready_ms),
              median(version_ms));

  auto gateway = start_gateway(chitin, env);
  if (!gateway) {
    return 1;
  }
  net::io_context io;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve("127.0.0.1", std::to_string(gateway->port));

  // Baseline: /healthz over one keep-alive HTTP connection.
  beast::tcp_stream http_stream(io);
  http_stream.connect(endpoints);
  auto start = Clock::now();
  for (int i = 0; i < requests; ++i) {
    http::request<http::empty_body> request{http::verb::get, "/healthz", 11};
    request.set(http::field::host, "127.0.0.1");
    http::write(http_stream, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(http_stream, buffer, response);
  }
  const double http_rate = requests / (ms_since(start) / 1000.0);
  std::printf("idle RSS: %ld kB\n", rss_kb(gateway->process.pid()));

  auto open = [&](websocket::stream<tcp::socket>& ws) {
    net::connect(ws.next_layer(), endpoints);
    ws.handshake("127.0.0.1", "/ws");
    ws.write(net::buffer(nlohmann::json{{"type", "req"},
                                        {"id", 0},
                                        {"method", "connect"},
                                        {"params", {{"auth", {{"token", owner}}}}}}
                             .dump()));
    beast::flat_buffer buffer;
    ws.read(buffer);
  };
  websocket::stream<tcp::socket> ws(io);
  open(ws);
  const std::string health =
      nlohmann::json{{"type", "req"}, {"id", 1}, {"method", "health"}}.dump();
  start = Clock::now();
  for (int i = 0; i < requests; ++i) {
    ws.write(net::buffer(health));
    beast::flat_buffer buffer;
    ws.read(buffer);
  }
  const double ws_rate = requests / (ms_since(start) / 1000.0);
  std::printf(
      "health over WebSocket: %.0f requests/s (baseline GET /healthz keep-alive: %.0f/s, ratio "
      "%.2f)\n",
      ws_rate, http_rate, ws_rate / http_rate);

  std::vector<std::unique_ptr<websocket::stream<tcp::socket>>> idle;
  for (int i = 0; i < connections; ++i) {
    idle.push_back(std::make_unique<websocket::stream<tcp::socket>>(io));
    open(*idle.back());
  }
  ::usleep(200000);
  std::printf("RSS with %d idle authenticated WebSocket connections: %ld kB\n", connections,
              rss_kb(gateway->process.pid()));
  idle.clear();
  (void)gateway->process.kill(SIGTERM);
  (void)gateway->process.wait();
  return 0;
}
