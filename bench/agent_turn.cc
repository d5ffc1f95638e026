// Agent turn overhead benchmark (issue #8). Run by hand on a release build:
//   build/release/bin/agent_turn [TURNS]
// One turn = the model asks for one `exec` of /bin/true, the agent runs it in the sandbox,
// the model answers. The model is the scripted fake server on loopback (replies are sent at
// once). Measured in the same run, so the figures compare on the same machine state:
//   turn       the whole turn through Agent::run_turn (privacy filter on both model calls,
//              policy, audit records, transcript writes in SQLite, the sandboxed exec)
//   model      the same two model calls made directly with providers::complete (no agent)
//   exec       the sandboxed /bin/true alone (tools::run_exec)
//   overhead   turn - model: the runtime's cost per turn, sandboxed exec included
// p50 and p99 of each.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "base/crypto.h"
#include "base/parse.h"
#include "providers/replay_server.h"
#include "sys/temp_directory.h"
#include "tools/exec_tool.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Stats {
  double p50 = 0;
  double p99 = 0;
};

Stats stats(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return {samples[samples.size() / 2],
          samples[std::min(samples.size() - 1, samples.size() * 99 / 100)]};
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

[[noreturn]] void die(const chitin::Error& error) {
  std::fprintf(stderr, "agent_turn: %s\n", error.describe().c_str());
  std::exit(1);
}

std::vector<chitin::providers::Scripted> script(int turns) {
  std::vector<chitin::providers::Scripted> out;
  for (int i = 0; i < turns; ++i) {
    out.push_back(chitin::providers::openai_tool_call("call_" + std::to_string(i), "exec",
                                                      R"({"argv":["true"]})"));
    out.push_back(chitin::providers::openai_text("Done: it ran and exited 0."));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const int turns = argc > 1 ? chitin::parse_integer<int>(argv[1], 5, 100000).value_or(200) : 200;
  auto temp = chitin::sys::TempDirectory::create("chitin-agent-bench");
  if (!temp) {
    die(temp.error());
  }
  const std::string root = temp->path();
  std::filesystem::create_directories(root + "/ws");
  const std::string helper =
      std::filesystem::path(argv[0]).parent_path().string() + "/chitin-sandbox";

  chitin::audit::LogOptions log_options;
  log_options.dir = root + "/audit";
  auto log =
      chitin::audit::AuditLog::open(log_options, chitin::crypto::ed25519_generate().secret_key);
  auto sessions = chitin::store::SessionStore::open_path(root + "/state.db");
  auto approvals = chitin::store::ApprovalStore::open(chitin::config::StatePaths{root});
  auto memory = chitin::store::MemoryStore::open_path(root + "/state.db");
  auto detector = chitin::privacy::Detector::create(
      {.dictionaries = {}, .patterns = {}, .min_score = 0.5F, .cache_dir = root + "/cache"});
  if (!log || !sessions || !approvals || !memory || !detector) {
    die(!log         ? log.error()
        : !sessions  ? sessions.error()
        : !approvals ? approvals.error()
        : !memory    ? memory.error()
                     : detector.error());
  }
  chitin::providers::ReplayServer server(script(turns + 10));
  chitin::agent::AgentServices services;
  services.config.agent.exec_allow = {"true"};
  services.config.agent.max_turns_per_minute = 1000000;
  services.config.agent.max_tokens_per_day = 1000000000000;
  services.paths = chitin::config::StatePaths{root};
  services.workspace = root + "/ws";
  services.audit = log->get();
  services.sessions = sessions->get();
  services.approvals = approvals->get();
  services.memory = memory->get();
  services.detector = detector->get();
  services.vault_key.fill(1);
  services.endpoint.base_url = server.base() + "/v1";
  services.endpoint.model = "scripted";
  services.sandbox_helper = helper;
  chitin::agent::Agent agent(services);

  auto one_turn = [&](int i) {
    chitin::agent::TurnRequest request;
    // A fresh session per turn: tool output in a session's history would make the next turn's
    // exec wait for an approval (taint), and the bench measures one untainted turn.
    request.session = "bench:" + std::to_string(i);
    request.text = "Run true in the workspace and tell me how it went. My email is li@example.com.";
    auto result = agent.run_turn(request, [](const chitin::agent::TurnEvent&) {});
    if (!result) {
      die(result.error());
    }
    if (result->tool_calls != 1) {
      std::fprintf(stderr, "agent_turn: expected one tool call, got %lld\n",
                   static_cast<long long>(result->tool_calls));
      std::exit(1);
    }
  };
  for (int i = 0; i < 5; ++i) {  // warm-up: caches, first SQLite pages
    one_turn(1000000 + i);
  }
  std::vector<double> turn_ms;
  for (int i = 0; i < turns; ++i) {
    const auto start = Clock::now();
    one_turn(i);
    turn_ms.push_back(ms_since(start));
  }

  // The same two model calls without the agent.
  chitin::providers::ReplayServer direct(script(turns));
  chitin::providers::Endpoint endpoint = services.endpoint;
  endpoint.base_url = direct.base() + "/v1";
  const std::vector<chitin::providers::Message> conversation = {
      {chitin::providers::Role::kSystem, "You are helpful.", {}, "", "", false},
      {chitin::providers::Role::kUser, "Run true.", {}, "", "", false}};
  std::vector<double> model_ms;
  for (int i = 0; i < turns; ++i) {
    const auto start = Clock::now();
    for (int call = 0; call < 2; ++call) {
      if (auto reply = chitin::providers::complete(endpoint, conversation, {}, {}); !reply) {
        die(reply.error());
      }
    }
    model_ms.push_back(ms_since(start));
  }

  chitin::tools::ExecSetup exec;
  exec.workspace = root + "/ws";
  exec.helper = helper;
  std::vector<double> exec_ms;
  for (int i = 0; i < turns; ++i) {
    const auto start = Clock::now();
    if (auto ran = chitin::tools::run_exec({"true"}, exec); !ran || ran->exit_code != 0) {
      std::fprintf(stderr, "agent_turn: the sandboxed exec failed\n");
      return 1;
    }
    exec_ms.push_back(ms_since(start));
  }

  std::vector<double> overhead_ms;
  for (int i = 0; i < turns; ++i) {
    overhead_ms.push_back(turn_ms[static_cast<std::size_t>(i)] -
                          model_ms[static_cast<std::size_t>(i)]);
  }
  const Stats turn = stats(turn_ms);
  const Stats model = stats(model_ms);
  const Stats sandboxed = stats(exec_ms);
  const Stats overhead = stats(overhead_ms);
  std::printf("turns: %d (one exec of /bin/true each, fake model on loopback)\n", turns);
  std::printf("turn      p50 %7.2f ms  p99 %7.2f ms\n", turn.p50, turn.p99);
  std::printf("model     p50 %7.2f ms  p99 %7.2f ms  (2 calls, direct)\n", model.p50, model.p99);
  std::printf("exec      p50 %7.2f ms  p99 %7.2f ms  (sandboxed /bin/true alone)\n", sandboxed.p50,
              sandboxed.p99);
  std::printf("overhead  p50 %7.2f ms  p99 %7.2f ms  (turn - model, exec included)\n", overhead.p50,
              overhead.p99);
  return 0;
}
