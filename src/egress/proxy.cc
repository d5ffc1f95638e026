#include "egress/proxy.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <system_error>

#include "base/crypto.h"
#include "egress/http_head.h"
#include "egress/intercept.h"
#include "egress/poll_wait.h"
#include "egress/tls_sni.h"
#include "sys/file_ops.h"

namespace chitin::egress {

namespace {

constexpr int kHeadTimeoutMs = 10000;
constexpr int kConnectTimeoutMs = 10000;
constexpr int kIdleTimeoutMs = 300000;
constexpr std::size_t kMaxClientHello = 16384 + 5;
constexpr int kSendTimeoutSeconds = 30;

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void respond(int fd, int status, std::string_view reason, std::string_view body) {
  // X-Chitin-Egress marks the proxy's own answers (refusals), so that clients such as
  // web_fetch can tell them from a server's.
  send_all(fd, fmt::format("HTTP/1.1 {} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n"
                           "X-Chitin-Egress: refused\r\nConnection: close\r\n\r\n{}",
                           status, reason, body.size(), body));
}

// Connects to exactly `address` (the one that was checked), with a timeout.
Result<UniqueFd> connect_to(const sockaddr_storage& address, std::uint16_t port, int stop_fd) {
  sockaddr_storage target = address;
  socklen_t length;
  if (target.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in&>(target).sin_port = htons(port);
    length = sizeof(sockaddr_in);
  } else {
    reinterpret_cast<sockaddr_in6&>(target).sin6_port = htons(port);
    length = sizeof(sockaddr_in6);
  }
  UniqueFd fd(::socket(target.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) {
    return errno_fail("socket");
  }
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&target), length) != 0 &&
      errno != EINPROGRESS) {
    return errno_fail(fmt::format("connect {}:{}", address_text(address), port));
  }
  if (!wait_for(fd.get(), POLLOUT, stop_fd, kConnectTimeoutMs)) {
    return fail(ErrorCode::kUnavailable, "connect {}:{} timed out", address_text(address), port);
  }
  int error = 0;
  socklen_t error_length = sizeof(error);
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &error_length);
  if (error != 0) {
    return errno_fail(error, fmt::format("connect {}:{}", address_text(address), port));
  }
  return fd;
}

// Copies until both directions are done; returns bytes {client->server, server->client}.
// With `client_may_send` false the client's direction is closed at once (absolute-form: one
// request, no body, nothing smuggled after it).
// With `masker`, stored secret values in the server's bytes are masked before the client
// sees them (a server that echoes a key back must not hand it to the sandbox).
std::pair<std::uint64_t, std::uint64_t> relay(int client, int server, int stop_fd,
                                              bool client_may_send, secrets::StreamMasker* masker) {
  std::uint64_t up = 0;
  std::uint64_t down = 0;
  bool client_open = client_may_send;
  bool server_open = true;
  if (!client_may_send) {
    ::shutdown(server, SHUT_WR);
  }
  char buffer[32768];
  while (client_open || server_open) {
    // A closed side is left out of poll (fd -1), so its HUP/ERR cannot wake us in a loop.
    pollfd fds[3] = {{client_open ? client : -1, POLLIN, 0},
                     {server_open ? server : -1, POLLIN, 0},
                     {stop_fd, POLLIN, 0}};
    const int rc = ::poll(fds, 3, kIdleTimeoutMs);
    if (rc <= 0 || fds[2].revents != 0) {
      break;
    }
    for (int side = 0; side < 2; ++side) {
      bool& open = side == 0 ? client_open : server_open;
      if (!open || fds[side].revents == 0) {
        continue;
      }
      const int from = side == 0 ? client : server;
      const int to = side == 0 ? server : client;
      const ssize_t n = ::recv(from, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        if (side == 1 && masker != nullptr) {
          send_all(to, masker->finish());
        }
        ::shutdown(to, SHUT_WR);
        open = false;
        continue;
      }
      const std::string_view data(buffer, static_cast<std::size_t>(n));
      if (side == 1 && masker != nullptr) {
        send_all(to, masker->feed(data));
      } else {
        send_all(to, data);
      }
      (side == 0 ? up : down) += static_cast<std::uint64_t>(n);
    }
  }
  return {up, down};
}

// Bounds every blocking send: a peer that stops reading cannot hold a worker forever.
void set_send_timeout(int fd) {
  const timeval timeout{kSendTimeoutSeconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
}

}  // namespace

Result<std::unique_ptr<EgressProxy>> EgressProxy::start(ProxyOptions options) {
  if (options.audit == nullptr) {
    return fail(ErrorCode::kInvalidInput, "the egress proxy needs an audit log");
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (options.socket_path.size() >= sizeof(address.sun_path)) {
    return fail(ErrorCode::kInvalidInput, "egress socket path '{}' is too long",
                options.socket_path);
  }
  std::memcpy(address.sun_path, options.socket_path.c_str(), options.socket_path.size());
  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener) {
    return errno_fail("socket");
  }
  // The umask would otherwise decide who may connect; only our uid may.
  const mode_t old_umask = ::umask(0177);
  const int bound = ::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address));
  ::umask(old_umask);
  if (bound != 0 || ::listen(listener.get(), 64) != 0) {
    return errno_fail(fmt::format("cannot listen on {}", options.socket_path));
  }
  if (!options.secrets.empty() && !options.ca) {
    return fail(ErrorCode::kInvalidInput, "granted secrets need the local egress CA");
  }
  Pipe stop = CHITIN_TRY(make_pipe());
  const bool intercept = !options.secrets.empty();
  auto proxy = std::make_unique<EgressProxy>(PrivateTag{}, std::move(options), std::move(listener),
                                             std::move(stop));
  if (intercept) {
    proxy->upstream_ = CHITIN_TRY(new_upstream_context());
  }
  proxy->acceptor_ = std::thread([raw = proxy.get()] { raw->accept_loop(); });
  return proxy;
}

EgressProxy::EgressProxy(PrivateTag /*only start() constructs*/, ProxyOptions options,
                         UniqueFd listener, Pipe stop)
    : options_(std::move(options)), listener_(std::move(listener)), stop_(std::move(stop)) {}

EgressProxy::~EgressProxy() {
  stop();
  SSL_CTX_free(upstream_);
}

std::vector<std::string> EgressProxy::used_secrets() {
  std::lock_guard lock(used_mu_);
  return used_;
}

Result<const privacy::Detector*> EgressProxy::secret_shapes() {
  std::call_once(shapes_once_, [this] {
    privacy::DetectorOptions detector_options;
    detector_options.cache_dir = options_.privacy_cache_dir;
    auto detector = privacy::Detector::create(std::move(detector_options));
    if (detector) {
      shapes_ = std::move(*detector);
    } else {
      shapes_error_ = detector.error();
    }
  });
  if (shapes_error_) {
    return fail(*shapes_error_);
  }
  return shapes_.get();
}

Result<Inspection> EgressProxy::inspect(const ProxyRequest& request, std::string_view body,
                                        std::uint16_t default_port, bool encrypted) {
  inspect_slots_.acquire();
  struct Release {
    std::counting_semaphore<16>& slots;
    ~Release() { slots.release(); }
  } release{inspect_slots_};
  SecretScan scan;
  scan.granted = &options_.secrets;
  scan.stored = options_.stored_secrets.get();
  scan.shapes = CHITIN_TRY(secret_shapes());
  scan.encrypted = encrypted;
  Inspection inspection = CHITIN_TRY(inspect_request(request, body, default_port, scan));
  if (inspection.blocked) {
    // The event names the secret (or the type of key) and how it appeared, never the value;
    // it must be written, or the request would leave a block unrecorded.
    CHITIN_RETURN_IF_ERROR(options_.audit->append(audit::Event{"secret.leak_blocked",
                                                               options_.actor,
                                                               options_.session,
                                                               {{"host", request.host},
                                                                {"port", request.port},
                                                                {"secret", inspection.secret},
                                                                {"how", inspection.encoding},
                                                                {"reason", inspection.reason}}}));
    return inspection;
  }
  for (const std::string& name : inspection.used) {
    CHITIN_RETURN_IF_ERROR(options_.audit->append(
        audit::Event{"secret.use",
                     options_.actor,
                     options_.session,
                     {{"secret", name}, {"host", request.host}, {"port", request.port}}}));
    std::lock_guard lock(used_mu_);
    if (std::find(used_.begin(), used_.end(), name) == used_.end()) {
      used_.push_back(name);
    }
  }
  return inspection;
}

void EgressProxy::stop() {
  if (stopped_.exchange(true)) {
    return;
  }
  (void)!::write(stop_.write.get(), "x", 1);
  if (acceptor_.joinable()) {
    acceptor_.join();
  }
  std::vector<Worker> workers;
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
  }
  for (Worker& worker : workers) {
    worker.thread.join();
  }
  ::unlink(options_.socket_path.c_str());
}

void EgressProxy::accept_loop() {
  for (;;) {
    if (!wait_for(listener_.get(), POLLIN, stop_.read.get(), -1)) {
      return;
    }
    UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client) {
      continue;
    }
    set_send_timeout(client.get());
    std::lock_guard lock(mu_);
    // Reap finished workers, so a long run does not accumulate thread stacks.
    std::erase_if(workers_, [](Worker& worker) {
      if (!worker.done->load()) {
        return false;
      }
      worker.thread.join();
      return true;
    });
    if (workers_.size() >= kMaxConnections) {
      respond(client.get(), 503, "Service Unavailable",
              "chitin egress: too many connections from this sandbox\n");
      continue;
    }
    auto done = std::make_shared<std::atomic<bool>>(false);
    const int fd = client.release();
    // std::thread reports failure by throwing; this is the boundary where it is caught and
    // turned into a refused connection rather than a terminated runtime.
    try {
      workers_.push_back(Worker{std::thread([this, fd, done] {
                                  serve(UniqueFd(fd));
                                  done->store(true);
                                }),
                                done});
    } catch (const std::system_error&) {
      UniqueFd refused(fd);
      respond(refused.get(), 503, "Service Unavailable", "chitin egress: out of threads\n");
    }
  }
}

void EgressProxy::serve(UniqueFd client) {
  const int stop_fd = stop_.read.get();
  const auto deny = [&](std::string_view host, std::uint16_t port, std::string_view reason,
                        int status) {
    (void)options_.audit->append(audit::Event{
        "egress.deny",
        options_.actor,
        options_.session,
        {{"host", std::string(host)}, {"port", port}, {"reason", std::string(reason)}}});
    respond(client.get(), status, status == 403 ? "Forbidden" : "Bad Request",
            fmt::format("chitin egress: {}\n", reason));
  };

  // 1. The request head.
  std::string buffer;
  std::size_t head_size = 0;
  // One deadline for the whole head, so trickling bytes (slowloris) cannot hold a worker.
  const auto head_deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kHeadTimeoutMs);
  const auto left_ms = [&] {
    return static_cast<int>(std::max<std::int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(head_deadline -
                                                                 std::chrono::steady_clock::now())
               .count()));
  };
  // Appends what the client sent next to `into`; false on timeout, stop, EOF or error.
  const auto read_more = [&](std::string& into) {
    if (!wait_for(client.get(), POLLIN, stop_fd, left_ms())) {
      return false;
    }
    char chunk[4096];
    const ssize_t n = ::recv(client.get(), chunk, sizeof(chunk), 0);
    if (n <= 0) {
      return false;
    }
    into.append(chunk, static_cast<std::size_t>(n));
    return true;
  };
  while (head_size == 0) {
    if (!read_more(buffer)) {
      return;
    }
    auto length = head_length(buffer);
    if (!length) {
      return deny("", 0, length.error().message, 400);
    }
    head_size = *length;
  }
  auto request = parse_proxy_request(std::string_view(buffer).substr(0, head_size));
  if (!request) {
    return deny("", 0, request.error().message, 400);
  }
  const std::string& host = request->host;
  const std::uint16_t port = request->port;
  // A stored value in the host name would leave in the DNS query itself, before any request
  // could be inspected: refused first.
  if (options_.stored_secrets) {
    if (const auto hit = options_.stored_secrets->find(host)) {
      const std::string shown = options_.stored_secrets->redact(host);
      (void)options_.audit->append(audit::Event{
          "secret.leak_blocked",
          options_.actor,
          options_.session,
          {{"host", shown},
           {"port", port},
           {"secret", hit->name},
           {"how", hit->encoding},
           {"reason", fmt::format("the value of secret '{}' was in the host name", hit->name)}}});
      respond(client.get(), 403, "Forbidden",
              fmt::format("chitin egress: blocked: the value of secret '{}' was in the host name\n",
                          hit->name));
      return;
    }
  }

  // 2. The decision: allow-list, then the address we will connect to.
  sockaddr_storage address{};
  const bool literal = parse_ip_literal(host, address);
  if (literal) {
    bool named = false;
    for (const Rule& rule : options_.rules) {
      sockaddr_storage rule_address{};
      named = named ||
              (rule.ip_literal && rule.port == port && parse_ip_literal(rule.host, rule_address) &&
               address_text(rule_address) == address_text(address));
    }
    if (!named) {
      return deny(host, port,
                  "IP addresses are refused unless an allow rule names that exact IP:port", 403);
    }
  } else {
    if (!allowed(options_.rules, host, port)) {
      return deny(host, port, fmt::format("{}:{} is not in the egress allow-list", host, port),
                  403);
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
      return deny(host, port, fmt::format("cannot resolve {}", host), 403);
    }
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(found, &::freeaddrinfo);
    for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
      sockaddr_storage candidate{};
      std::memcpy(&candidate, ai->ai_addr, ai->ai_addrlen);
      // A name that resolves to loopback, private or metadata addresses never counts, even
      // when allow-listed (SSRF, DNS rebinding to the gateway).
      if (is_non_public(candidate) && !options_.allow_private_addresses) {
        return deny(
            host, port,
            fmt::format("{} resolves to a non-public address ({})", host, address_text(candidate)),
            403);
      }
      if (address.ss_family == 0) {
        address = candidate;
      }
    }
  }
  // Plain HTTP is read whole and inspected before anything is sent (or even connected):
  // its Content-Length body; bytes after it (a smuggled second request) are dropped, and
  // the client's direction is closed.
  std::string outbound;
  if (!request->connect) {
    std::string rest = buffer.substr(head_size);
    while (rest.size() < request->content_length) {
      if (!read_more(rest)) {
        return;
      }
    }
    auto inspected =
        inspect(*request, std::string_view(rest).substr(0, request->content_length), 80, false);
    crypto::wipe(rest);
    if (!inspected) {
      return deny(host, port,
                  fmt::format("the request could not be inspected, so it was not sent: {}",
                              inspected.error().describe()),
                  403);
    }
    if (inspected->blocked) {
      respond(client.get(), 403, "Forbidden",
              fmt::format("chitin egress: blocked: {}\n", inspected->reason));
      return;
    }
    outbound = std::move(inspected->outbound);
  }
  const std::string pinned = address_text(address);
  if (auto audited = options_.audit->append(audit::Event{
          "egress.allow",
          options_.actor,
          options_.session,
          {{"host", host}, {"port", port}, {"address", pinned}, {"method", request->method}}});
      !audited) {
    // Fail closed: nothing leaves unaudited.
    respond(client.get(), 403, "Forbidden", "chitin egress: the audit log cannot be written\n");
    return;
  }
  if (request->connect && !options_.secrets.empty()) {
    const std::string pending = buffer.substr(head_size);
    // This run holds secrets: the tunnel is opened here so that its request can be read.
    if (!pending.empty()) {
      return deny(host, port, "data was sent before the tunnel was established", 400);
    }
    send_all(client.get(), "HTTP/1.1 200 Connection established\r\n\r\n");
    InterceptParams params;
    params.client = client.get();
    // The server is connected only once the request has been read and let through, so a
    // slow client (or a refused request) never holds a connection to it.
    params.connect = [&]() -> Result<UniqueFd> {
      auto connected = connect_to(address, port, stop_fd);
      if (!connected) {
        (void)options_.audit->append(audit::Event{
            "egress.fail",
            options_.actor,
            options_.session,
            {{"host", host}, {"port", port}, {"reason", connected.error().describe()}}});
      }
      return connected;
    };
    params.stop_fd = stop_fd;
    params.host = host;
    params.port = port;
    params.ca = options_.ca.get();
    params.upstream = upstream_;
    params.stored = options_.stored_secrets.get();
    params.inspect = [this](const ProxyRequest& inner, std::string_view body) {
      return inspect(inner, body, 443, true);
    };
    const InterceptOutcome outcome = intercept_tunnel(params);
    if (!outcome.problem.empty()) {
      (void)options_.audit->append(
          audit::Event{"egress.deny",
                       options_.actor,
                       options_.session,
                       {{"host", host}, {"port", port}, {"reason", outcome.problem}}});
    } else if (!outcome.blocked) {
      (void)options_.audit->append(audit::Event{"egress.close",
                                                options_.actor,
                                                options_.session,
                                                {{"host", host},
                                                 {"port", port},
                                                 {"inspected", true},
                                                 {"method", outcome.method},
                                                 {"bytes_up", outcome.up},
                                                 {"bytes_down", outcome.down}}});
    }
    return;
  }
  auto server = connect_to(address, port, stop_fd);
  if (!server) {
    (void)options_.audit->append(
        audit::Event{"egress.fail",
                     options_.actor,
                     options_.session,
                     {{"host", host}, {"port", port}, {"reason", server.error().describe()}}});
    respond(client.get(), 502, "Bad Gateway",
            fmt::format("chitin egress: {}\n", server.error().describe()));
    return;
  }
  // Back to blocking mode for the relay's send().
  ::fcntl(server->get(), F_SETFL, ::fcntl(server->get(), F_GETFL) & ~O_NONBLOCK);

  std::string pending = buffer.substr(head_size);
  if (request->connect) {
    send_all(client.get(), "HTTP/1.1 200 Connection established\r\n\r\n");

    // 3. The tunnel must be TLS to the host it named.
    SniResult sni = extract_sni(pending);
    while (sni.status == SniStatus::kNeedMore && pending.size() < kMaxClientHello) {
      if (!read_more(pending)) {
        return;
      }
      sni = extract_sni(pending);
    }
    std::string problem;
    if (sni.status == SniStatus::kNotTls || sni.status == SniStatus::kNeedMore) {
      problem = "a CONNECT tunnel must carry TLS";
    } else if (sni.status == SniStatus::kNoSni && !literal) {
      problem = "the TLS ClientHello names no server";
    } else if (sni.status == SniStatus::kFound && !literal && !sni_names_host(sni.name, host)) {
      problem = fmt::format("TLS SNI '{}' does not match CONNECT host '{}'", sni.name, host);
    }
    if (!problem.empty()) {
      (void)options_.audit->append(
          audit::Event{"egress.deny",
                       options_.actor,
                       options_.session,
                       {{"host", host}, {"port", port}, {"reason", problem}}});
      return;  // closing the tunnel is the answer; the 200 was already sent
    }
  } else {
    pending = std::move(outbound);
  }
  set_send_timeout(server->get());
  send_all(server->get(), pending);
  // Plain HTTP responses are readable, so stored values in them are masked; a TLS tunnel
  // that is not intercepted is opaque.
  secrets::StreamMasker masker(options_.stored_secrets.get());
  const auto [up, down] = relay(client.get(), server->get(), stop_fd, request->connect,
                                request->connect ? nullptr : &masker);
  (void)options_.audit->append(audit::Event{
      "egress.close",
      options_.actor,
      options_.session,
      {{"host", host}, {"port", port}, {"bytes_up", up + pending.size()}, {"bytes_down", down}}});
}

}  // namespace chitin::egress
