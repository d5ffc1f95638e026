#include "tools/exec_tool.h"

#include <fmt/format.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>

#include "sandbox/runner.h"
#include "tools/egress_run.h"

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

Result<ExecOutcome> run_captured(const sandbox::SandboxPolicy& policy, const std::string& helper,
                                 std::size_t max_output_bytes) {
  const auto start = std::chrono::steady_clock::now();
  sandbox::RunOptions run;
  run.helper = helper;
  run.stdin_mode = Stdio::kNull;
  run.stdout_mode = Stdio::kPipe;
  run.stderr_mode = Stdio::kPipe;
  run.warm_helper = true;  // the gateway runs many tools: one helper serves them all
  ExecOutcome outcome;
  sandbox::SandboxProcess process = CHITIN_TRY(sandbox::start_sandboxed(policy, run));
  drain(process.stdout_pipe, process.stderr_pipe, max_output_bytes, outcome);
  const sandbox::RunReport report = CHITIN_TRY(sandbox::finish_sandboxed(process));
  outcome.exit_code = report.exit_code;
  outcome.limits = report.limits;
  outcome.quarantined = report.quarantined;
  outcome.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - start)
                            .count();
  return outcome;
}

sandbox::SandboxPolicy base_policy(const std::string& workspace,
                                   const config::SandboxConfig& limits) {
  sandbox::SandboxPolicy policy = sandbox::default_policy();
  policy.workspace = workspace;
  policy.env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/sandbox", "LANG=C.UTF-8",
                "USER=sandbox"};
  policy.timeout_ms = static_cast<std::uint64_t>(limits.timeout_s) * 1000;
  policy.memory_mb = static_cast<std::uint64_t>(limits.memory_mb);
  policy.pids_max = static_cast<std::uint64_t>(limits.pids_max);
  policy.tmp_mb = static_cast<std::uint64_t>(limits.tmp_mb);
  return policy;
}

Result<ExecOutcome> run_exec(const std::vector<std::string>& argv, const ExecSetup& setup) {
  sandbox::SandboxPolicy policy = base_policy(setup.workspace, setup.limits);
  policy.argv = argv;
  CHITIN_RETURN_IF_ERROR(sandbox::validate_policy(policy));
  std::unique_ptr<EgressRun> egress;
  if (!setup.egress.empty()) {
    EgressRunOptions options;
    options.rules = setup.egress;
    options.allow_private_addresses = setup.allow_private_addresses;
    options.audit = setup.audit;
    options.actor = setup.actor;
    options.session = setup.session;
    options.stored_secrets = setup.stored_secrets;
    options.privacy_cache_dir = setup.privacy_cache_dir;
    egress = CHITIN_TRY(EgressRun::start(std::move(options)));
    egress->apply_to(policy);
  }
  return run_captured(policy, setup.helper, setup.max_output_bytes);
}

}  // namespace chitin::tools
