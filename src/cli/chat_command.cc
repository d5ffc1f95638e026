// `chitin chat [--session ID] [--local | --gateway URL]`: an interactive chat in the
// terminal. Each line is one turn; the answer streams as it is written; tool calls show as
// they happen; an approval is asked inline ("approve? [y/N]", anything but y denies) and
// answered through the same channel as any other client (the gateway's approvals.resolve, or
// the shared approvals store with --local). "/exit" or end of input quits.

#include <fmt/core.h>

#include <condition_variable>
#include <deque>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "agent/runtime.h"
#include "base/log.h"
#include "cli/command.h"
#include "cli/gateway_access.h"
#include "cli/secrets_access.h"

namespace chitin::cli {

namespace {

struct ChatArguments {
  std::string session = "cli:chat";
  bool local = false;
  std::string gateway;
};

bool ask_approval(const nlohmann::json& event) {
  fmt::print("\n[approval] {}\n  action: {}\n  approve? [y/N] ",
             log::escaped(event.value("reason", ""), 400),
             log::escaped(event.value("action", nlohmann::json::object()).dump(), 400));
  std::fflush(stdout);
  std::string answer;
  if (!std::getline(std::cin, answer)) {
    return false;
  }
  return answer == "y" || answer == "Y" || answer == "yes";
}

// Prints one event; returns true when the turn is over.
bool show(const std::string& kind, const nlohmann::json& event) {
  if (kind == "text") {
    fmt::print("{}", terminal_safe(event.value("delta", "")));
  } else if (kind == "tool_call") {
    fmt::print("\n[tool] {} {}\n", log::escaped(event.value("tool", ""), 64),
               log::escaped(event.value("arguments", ""), 200));
  } else if (kind == "tool_result" && event.value("is_error", false)) {
    fmt::print("[tool] {} failed: {}\n", log::escaped(event.value("tool", ""), 64),
               log::escaped(event.value("output", ""), 200));
  } else if (kind == "notice") {
    fmt::print("\n[stop] {}\n", log::escaped(event.value("reason", ""), 400));
  } else if (kind == "final") {
    fmt::print("\n");
    return true;
  } else if (kind == "error") {
    fmt::print("\n[error] {}\n", terminal_safe(event.value("message", "")));
    return true;
  }
  std::fflush(stdout);
  return false;
}

// Prompts, reads lines until "/exit" or end of input, and hands each non-empty one over.
Result<void> each_line(const std::function<Result<void>(const std::string&)>& handle) {
  std::string line;
  while (fmt::print("> "), std::fflush(stdout), std::getline(std::cin, line)) {
    if (line == "/exit" || line == "/quit") {
      break;
    }
    if (!line.empty()) {
      CHITIN_RETURN_IF_ERROR(handle(line));
    }
  }
  return {};
}

Result<void> chat_through_gateway(const State& state, const ChatArguments& args) {
  GatewayConnection gateway = CHITIN_TRY(connect_gateway(state, args.gateway));
  auto& client = gateway.client;
  fmt::print("chitin chat through {} (session {}); /exit to quit\n", gateway.url, args.session);
  return each_line([&](const std::string& line) -> Result<void> {
    const nlohmann::json started =
        CHITIN_TRY(client->call("chat.send", {{"message", line}, {"sessionKey", args.session}}));
    const std::string run = started.value("runId", "");
    for (;;) {
      const nlohmann::json frame = CHITIN_TRY(client->next_event());
      const nlohmann::json payload = frame.value("payload", nlohmann::json::object());
      if (payload.value("runId", "") != run) {
        continue;
      }
      const std::string kind = payload.value("kind", "");
      if (kind == "approval_pending") {
        const bool approve = ask_approval(payload);
        auto resolved = client->call(
            "approvals.resolve",
            {{"id", payload.value("id", "")}, {"decision", approve ? "approve" : "deny"}});
        if (!resolved) {
          fmt::print("[approval] {}\n", resolved.error().message);
        }
        continue;
      }
      if (show(kind, payload)) {
        return {};
      }
    }
  });
}

Result<void> chat_local(const CommandContext& context, const State& state,
                        const ChatArguments& args) {
  std::optional<secrets::Store> store;
  if (CHITIN_TRY(secrets::Store::exists(store_files(state.paths)))) {
    store = CHITIN_TRY(open_store(state.paths));
  }
  agent::RuntimeOptions options;
  options.store = store ? &*store : nullptr;
  options.privacy_cache_dir = detector_cache_dir(context);
  auto runtime = CHITIN_TRY(agent::open_runtime(state.paths, state.config, options));
  fmt::print("chitin chat in this process (session {}); /exit to quit\n", args.session);
  return each_line([&](const std::string& line) -> Result<void> {
    // The turn runs on its own thread; its events come here, where approvals are asked.
    std::mutex mu;
    std::condition_variable ready;
    std::deque<agent::TurnEvent> events;
    agent::TurnRequest request;
    request.session = args.session;
    request.text = line;
    std::thread turn([&] {
      auto result = runtime->agent->run_turn(request, [&](const agent::TurnEvent& event) {
        std::lock_guard lock(mu);
        events.push_back(event);
        ready.notify_one();
      });
      if (!result) {
        std::lock_guard lock(mu);
        events.push_back(agent::TurnEvent{"error", {{"message", result.error().message}}});
        ready.notify_one();
      }
    });
    for (bool over = false; !over;) {
      std::unique_lock lock(mu);
      ready.wait(lock, [&] { return !events.empty(); });
      const agent::TurnEvent event = events.front();
      events.pop_front();
      lock.unlock();
      if (event.type == "approval_pending") {
        const bool approve = ask_approval(event.data);
        auto resolved = runtime->approvals->resolve(event.data.value("id", ""), approve, "chat");
        if (!resolved) {
          fmt::print("[approval] {}\n", resolved.error().message);
        }
        continue;
      }
      over = show(event.type, event.data);
    }
    turn.join();
    return {};
  });
}

}  // namespace

void add_chat_command(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<ChatArguments>();
  CLI::App* command = app.add_subcommand(
      "chat", "Chat with the agent in the terminal (streaming, approvals asked inline).");
  command->group("Commands");
  command->add_option("--session", args->session, "Session id (default cli:chat)");
  command->add_flag("--local", args->local,
                    "Run the turns in this process instead of through the running gateway");
  command->add_option("--gateway", args->gateway,
                      "Gateway URL as `chitin gateway` prints it (default: from chitin.toml)");
  command->callback([&context, args] {
    auto state = load_state(context);
    if (!state) {
      context.exit_code = kExitUsage;
      return;
    }
    auto done =
        args->local ? chat_local(context, *state, *args) : chat_through_gateway(*state, *args);
    if (!done) {
      print_error(done.error());
      context.exit_code = exit_code_for(done.error());
    }
  });
}

}  // namespace chitin::cli
