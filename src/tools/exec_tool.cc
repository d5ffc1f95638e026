#include "tools/exec_tool.h"

#include <fmt/format.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>

#include "egress/proxy.h"
#include "sandbox/runner.h"

namespace chitin::tools {

namespace {

// Reads both pipes until both close, keeping at most `cap` bytes of each.
void drain(UniqueFd& out_fd, UniqueFd& err_fd, std::size_t cap, ExecOutcome& outcome) {
  struct Stream {
    UniqueFd* fd;
    std::string* kept;
    std::size_t* total;
  };
  Stream streams[] = {{&out_fd, &outcome.out, &outcome.out_bytes},
                      {&err_fd, &outcome.err, &outcome.err_bytes}};
  char buffer[16384];
  for (;;) {
    pollfd fds[2];
    nfds_t n = 0;
    Stream* order[2];
    for (Stream& stream : streams) {
      if (*stream.fd) {
        fds[n] = pollfd{stream.fd->get(), POLLIN, 0};
        order[n++] = &stream;
      }
    }
    if (n == 0) {
      return;
    }
    if (::poll(fds, n, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;
    }
    for (nfds_t i = 0; i < n; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
        continue;
      }
      const ssize_t got = ::read(fds[i].fd, buffer, sizeof(buffer));
      if (got < 0 && errno == EINTR) {
        continue;
      }
      if (got <= 0) {
        order[i]->fd->reset();
        continue;
      }
      const auto size = static_cast<std::size_t>(got);
      *order[i]->total += size;
      if (order[i]->kept->size() < cap) {
        order[i]->kept->append(buffer, std::min(size, cap - order[i]->kept->size()));
      }
    }
  }
}

std::string stream_text(std::string_view name, const std::string& kept, std::size_t total) {
  if (total == 0) {
    return {};
  }
  std::string text = fmt::format("{}:\n{}", name, kept);
  if (!text.ends_with('\n')) {
    text.push_back('\n');
  }
  if (total > kept.size()) {
    text += fmt::format("[{} more bytes of {} not shown]\n", total - kept.size(), name);
  }
  return text;
}

}  // namespace

std::string ExecOutcome::render() const {
  std::string text;
  switch (exit_code) {
    case sandbox::kExitTimeout:
      text = "exit status 124: the time limit stopped the program\n";
      break;
    case sandbox::kExitSetupFailed:
      text = "exit status 125: the sandbox could not be set up; nothing ran\n";
      break;
    default:
      text = fmt::format("exit status {}\n", exit_code);
  }
  text += stream_text("stdout", out, out_bytes);
  text += stream_text("stderr", err, err_bytes);
  for (const std::string& line : quarantined) {
    text += "quarantined: " + line + "\n";
  }
  return text;
}

Result<ExecOutcome> run_exec(const std::vector<std::string>& argv, const ExecSetup& setup) {
  sandbox::SandboxPolicy policy = sandbox::default_policy();
  policy.argv = argv;
  policy.workspace = setup.workspace;
  policy.env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/sandbox", "LANG=C.UTF-8",
                "USER=sandbox"};
  policy.timeout_ms = static_cast<std::uint64_t>(setup.limits.timeout_s) * 1000;
  policy.memory_mb = static_cast<std::uint64_t>(setup.limits.memory_mb);
  policy.pids_max = static_cast<std::uint64_t>(setup.limits.pids_max);
  policy.tmp_mb = static_cast<std::uint64_t>(setup.limits.tmp_mb);
  CHITIN_RETURN_IF_ERROR(sandbox::validate_policy(policy));

  std::unique_ptr<egress::EgressProxy> proxy;
  std::string proxy_dir;
  if (!setup.egress.empty()) {
    if (setup.audit == nullptr) {
      return fail(ErrorCode::kInvalidInput, "exec with network needs the audit log");
    }
    proxy_dir = "/tmp/chitin-egress-XXXXXX";
    if (::mkdtemp(proxy_dir.data()) == nullptr) {
      return errno_fail("create a directory for the egress proxy socket");
    }
    egress::ProxyOptions options;
    options.socket_path = proxy_dir + "/egress.sock";
    options.rules = setup.egress;
    options.allow_private_addresses = setup.allow_private_addresses;
    options.audit = setup.audit;
    options.actor = "egress:" + setup.actor;
    options.session = setup.session;
    options.stored_secrets = setup.stored_secrets;
    options.privacy_cache_dir = setup.privacy_cache_dir;
    auto started = egress::EgressProxy::start(std::move(options));
    if (!started) {
      ::rmdir(proxy_dir.c_str());
      return fail(started.error());
    }
    proxy = std::move(*started);
    policy.proxy_socket = proxy->socket_path();
    const std::string url = fmt::format("http://127.0.0.1:{}", sandbox::kProxyBridgePort);
    for (const char* name : {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"}) {
      policy.env.push_back(fmt::format("{}={}", name, url));
    }
  }
  const auto start = std::chrono::steady_clock::now();
  sandbox::RunOptions run;
  run.helper = setup.helper;
  run.stdin_mode = Stdio::kNull;
  run.stdout_mode = Stdio::kPipe;
  run.stderr_mode = Stdio::kPipe;
  ExecOutcome outcome;
  auto report = [&]() -> Result<sandbox::RunReport> {
    sandbox::SandboxProcess process = CHITIN_TRY(sandbox::start_sandboxed(policy, run));
    drain(process.helper.stdout_pipe(), process.helper.stderr_pipe(), setup.max_output_bytes,
          outcome);
    return sandbox::finish_sandboxed(process);
  }();
  if (proxy) {
    proxy->stop();
    ::rmdir(proxy_dir.c_str());
  }
  CHITIN_RETURN_IF_ERROR(report);
  outcome.exit_code = report->exit_code;
  outcome.limits = report->limits;
  outcome.quarantined = report->quarantined;
  outcome.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - start)
                            .count();
  return outcome;
}

}  // namespace chitin::tools
