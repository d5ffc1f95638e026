// `chitin agent -m TEXT [--session ID] [--json] [--local | --gateway URL]`: one agent turn
// from the command line, through the running gateway (WebSocket chat.send, authenticated with
// the owner token in $CHITIN_HOME/gateway.token) or, with --local, in this process. Text
// streams to stdout as the model writes it; tool calls, approvals and notices go to stderr.
// With --json every event of the turn is one JSON line on stdout, the last one
// {"type":"final",...}. Ctrl-C cancels the turn (a pending approval is denied; through the
// gateway, closing the connection aborts the turns it started).

#include <fmt/core.h>
#include <signal.h>

#include <atomic>

#include <CLI/CLI.hpp>

#include "agent/runtime.h"
#include "base/log.h"
#include "cli/command.h"
#include "cli/gateway_access.h"
#include "cli/secrets_access.h"

namespace chitin::cli {

namespace {

std::atomic<bool> g_cancel{false};

void on_interrupt(int /*signal*/) { g_cancel.store(true); }

struct AgentArguments {
  std::string message;
  std::string session = "cli:main";
  bool json = false;
  bool local = false;
  std::string gateway;  // URL; empty: from the config
};

void print_event(const agent::TurnEvent& event, bool json) {
  if (json) {
    nlohmann::json line = event.data;
    line["type"] = event.type;
    fmt::print("{}\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    std::fflush(stdout);
    return;
  }
  const nlohmann::json& d = event.data;
  if (event.type == "text") {
    fmt::print("{}", terminal_safe(d.value("delta", "")));
    std::fflush(stdout);
  } else if (event.type == "tool_call") {
    fmt::print(stderr, "[tool] {} {}\n", log::escaped(d.value("tool", ""), 64),
               log::escaped(d.value("arguments", ""), 300));
  } else if (event.type == "tool_result" && d.value("is_error", false)) {
    fmt::print(stderr, "[tool] {} failed: {}\n", log::escaped(d.value("tool", ""), 64),
               log::escaped(d.value("output", ""), 300));
  } else if (event.type == "approval_pending") {
    fmt::print(stderr,
               "[approval] {} waits for a decision: {}\n  action: {}\n  approve with `chitin "
               "approvals approve {}` or deny with `chitin approvals deny {}` (Ctrl-C denies)\n",
               d.value("id", ""), log::escaped(d.value("reason", ""), 400),
               log::escaped(d["action"].dump(), 400), d.value("id", ""), d.value("id", ""));
  } else if (event.type == "approval_resolved") {
    fmt::print(stderr, "[approval] {} {} by {}\n", d.value("id", ""), d.value("status", ""),
               d.value("by", ""));
  } else if (event.type == "notice") {
    fmt::print(stderr, "[stop] {}\n", log::escaped(d.value("reason", ""), 400));
  } else if (event.type == "final") {
    fmt::print("\n");
  }
}

int finish(const Result<agent::TurnResult>& result, bool json) {
  if (!result) {
    if (json) {
      print_event(agent::TurnEvent{"error", {{"message", result.error().message}}}, true);
    }
    print_error(result.error());
    return exit_code_for(result.error());
  }
  if (!json && result->stop != "done") {
    fmt::print(stderr, "[stop] the turn ended early: {}\n", result->reason);
  }
  return result->stop == "done" ? kExitOk : kExitProblem;
}

// One turn through the running gateway: chat.send, then its events until the final one.
Result<agent::TurnResult> turn_through_gateway(const State& state, const AgentArguments& args) {
  GatewayConnection gateway = CHITIN_TRY(connect_gateway(state, args.gateway));
  auto& client = gateway.client;
  const nlohmann::json started = CHITIN_TRY(
      client->call("chat.send", {{"message", args.message}, {"sessionKey", args.session}}));
  const std::string run = started.value("runId", "");
  for (;;) {
    const nlohmann::json frame = CHITIN_TRY(client->next_event());
    const nlohmann::json payload = frame.value("payload", nlohmann::json::object());
    if (frame.value("event", "") != "agent" || payload.value("runId", "") != run) {
      continue;
    }
    const std::string kind = payload.value("kind", "");
    nlohmann::json data = payload;
    data.erase("kind");
    data.erase("runId");
    data.erase("sessionKey");
    if (kind == "error") {
      return fail(ErrorCode::kUnavailable, "{}", payload.value("message", "the turn failed"));
    }
    print_event(agent::TurnEvent{kind, data}, args.json);
    if (kind == "final") {
      agent::TurnResult result;
      result.answer = payload.value("answer", "");
      result.stop = payload.value("stop", "done");
      result.reason = payload.value("reason", "");
      return result;
    }
  }
}

int run_agent(const CommandContext& context, const AgentArguments& args) {
  auto state = load_state(context);
  if (!state) {
    return kExitUsage;
  }
  if (!args.local) {
    return finish(turn_through_gateway(*state, args), args.json);
  }
  std::optional<secrets::Store> store;
  auto exists = secrets::Store::exists(store_files(state->paths));
  if (exists && *exists) {
    auto opened = open_store(state->paths);
    if (!opened) {
      print_error(opened.error());
      return exit_code_for(opened.error());
    }
    store = std::move(*opened);
  }
  agent::RuntimeOptions options;
  options.store = store ? &*store : nullptr;
  options.privacy_cache_dir = detector_cache_dir(context);
  auto runtime = agent::open_runtime(state->paths, state->config, options);
  if (!runtime) {
    print_error(runtime.error());
    return exit_code_for(runtime.error());
  }
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  ::sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  agent::TurnRequest request;
  request.session = args.session;
  request.text = args.message;
  request.origin = "cli";
  request.cancel = &g_cancel;
  auto result = (*runtime)->agent->run_turn(
      request, [json = args.json](const agent::TurnEvent& event) { print_event(event, json); });
  return finish(result, args.json);
}

}  // namespace

void add_agent_command(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<AgentArguments>();
  CLI::App* command = app.add_subcommand(
      "agent", "Run one agent turn: the message goes to the model with the agent's tools.");
  command->group("Commands");
  command->add_option("-m,--message", args->message, "The message")->required();
  command->add_option("--session", args->session, "Session id (default cli:main)");
  command->add_flag("--json", args->json,
                    "Print the turn's events as JSON Lines, ending with the final answer");
  command->add_flag("--local", args->local,
                    "Run the turn in this process instead of through the running gateway");
  command->add_option("--gateway", args->gateway,
                      "Gateway URL as `chitin gateway` prints it (default: from chitin.toml)");
  command->callback([&context, args] { context.exit_code = run_agent(context, *args); });
}

}  // namespace chitin::cli
