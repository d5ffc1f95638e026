// `chitin gateway [--port N] [--bind ADDR]` and `chitin token create|list|revoke`.

#include <fmt/core.h>
#include <fmt/format.h>
#include <malloc.h>
#include <signal.h>

#include <algorithm>

#include <CLI/CLI.hpp>

#include "agent/runtime.h"
#include "audit/log.h"
#include "cli/command.h"
#include "cli/secrets_access.h"
#include "cli/version.h"
#include "doctor/doctor.h"
#include "gateway/server.h"
#include "gateway/token_store.h"
#include "sys/file_ops.h"

namespace chitin::cli {

namespace {

struct GatewayArguments {
  std::optional<int> port;
  std::optional<std::string> bind;
};

// The start-up gate (MIIT: keep it off the internet, least privilege, audit on): the doctor
// runs first, and a critical finding stops the start unless its checkId is listed in
// doctor.acknowledge — which is printed and audited every time it is used.
Result<void> startup_gate(const State& state, audit::AuditLog& log) {
  doctor::Options options;
  options.version = std::string(kVersion);
  options.selftest_cache = state.paths.home + "/cache/sandbox-selftest.json";
  (void)sys::ensure_directory(state.paths.home + "/cache", 0700);
  const doctor::Report report = CHITIN_TRY(doctor::run_doctor(state.paths, options));
  const auto& acknowledged = state.config.doctor.acknowledge;
  std::vector<const doctor::Finding*> blocking;
  for (const doctor::Finding& finding : report.findings) {
    if (finding.severity != doctor::Severity::kCritical) {
      continue;
    }
    if (std::find(acknowledged.begin(), acknowledged.end(), finding.check_id) ==
        acknowledged.end()) {
      blocking.push_back(&finding);
      continue;
    }
    CHITIN_TRY(log.append(audit::Event{"doctor.acknowledged",
                                       "gateway",
                                       "",
                                       {{"check_id", finding.check_id},
                                        {"title", finding.title},
                                        {"evidence", finding.evidence}}}));
    print_error(
        fmt::format("warning: starting despite critical finding {} ({}), acknowledged "
                    "in doctor.acknowledge",
                    finding.check_id, finding.title));
  }
  if (blocking.empty()) {
    return {};
  }
  nlohmann::json ids = nlohmann::json::array();
  std::string lines;
  for (const doctor::Finding* finding : blocking) {
    ids.push_back(finding->check_id);
    lines += fmt::format("critical {}: {} ({}); fix: {}\n", finding->check_id, finding->title,
                         finding->evidence, finding->remediation);
  }
  (void)log.append(audit::Event{"gateway.refused", "gateway", "", {{"check_ids", ids}}});
  return fail(ErrorCode::kPermission,
              "{}the gateway does not start while a critical finding remains: fix it "
              "('chitin doctor --fix' tightens permissions) or, accepting the risk, add its "
              "checkId to doctor.acknowledge in chitin.toml",
              lines);
}

int run_gateway(const CommandContext& context, const GatewayArguments& args) {
  // Signals are taken synchronously (sigwait below). They are blocked before any thread
  // exists (the audit log's flusher, the server's pool), since every thread inherits the mask:
  // a SIGTERM that arrived before the main thread waits would otherwise land on another
  // thread and kill the process without a clean stop.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto state = load_state(context);
  if (!state) {
    return kExitUsage;
  }
  gateway::GatewayOptions options;
  options.paths = state->paths;
  options.config = state->config;
  options.bind = args.bind.value_or(state->config.gateway.bind);
  options.port = args.port.value_or(static_cast<int>(state->config.gateway.port));
  options.version = std::string(kVersion);
  options.doctor = [paths = state->paths]() -> Result<nlohmann::json> {
    doctor::Options doctor_options;
    doctor_options.version = std::string(kVersion);
    const doctor::Report report = CHITIN_TRY(doctor::run_doctor(paths, doctor_options));
    return report.to_json();
  };
  if (const std::string reason = gateway::insecure_bind_reason(options.bind, state->config.gateway);
      !reason.empty()) {
    print_error(reason);
    return kExitUsage;
  }
  auto log = audit::open_installation_log(state->paths, state->config);
  if (!log) {
    print_error(log.error());
    return kExitProblem;
  }
  if (auto gate = startup_gate(*state, **log); !gate) {
    print_error(gate.error());
    return kExitProblem;
  }
  // The doctor's buffers are freed; give the pages back so an idle gateway stays small.
  ::malloc_trim(0);

  // The agent is made on the first chat (its privacy detector is large; an idle gateway stays
  // small) and lives until after the server has stopped.
  std::unique_ptr<agent::AgentRuntime> runtime;
  std::optional<secrets::Store> store;
  options.agent = [&runtime, &store, &state, audit = log->get(),
                   cache = detector_cache_dir(context)]() -> Result<agent::Agent*> {
    if (!runtime) {
      if (CHITIN_TRY(secrets::Store::exists(store_files(state->paths)))) {
        store = CHITIN_TRY(open_store(state->paths));
      }
      agent::RuntimeOptions runtime_options;
      runtime_options.audit = audit;
      runtime_options.store = store ? &*store : nullptr;
      runtime_options.privacy_cache_dir = cache;
      runtime = CHITIN_TRY(agent::open_runtime(state->paths, state->config, runtime_options));
    }
    return runtime->agent.get();
  };
  auto server = gateway::Server::create(options, **log);
  if (!server) {
    print_error(server.error());
    return exit_code_for(server.error());
  }
  const std::string scheme = state->config.gateway.tls_cert.empty() ? "http" : "https";
  const bool v6 = options.bind.find(':') != std::string::npos;
  const std::string url = fmt::format(
      "{}://{}:{}/", scheme, v6 ? "[" + options.bind + "]" : options.bind, (*server)->port());
  if (auto audited = (*log)->append(audit::Event{
          "gateway.start",
          "cli",
          "",
          {{"bind", options.bind}, {"port", (*server)->port()}, {"tls", scheme == "https"}}});
      !audited) {
    print_error(audited.error());
    return kExitProblem;
  }
  if (auto started = (*server)->start(); !started) {
    print_error(started.error());
    return kExitProblem;
  }
  fmt::print("chitin gateway: ready on {} (web console: {}; log in with the token in {})\n", url,
             url, state->paths.gateway_token_file());
  if (state->config.models.count(state->config.agent.model) == 0) {
    fmt::print(
        "chitin gateway: no model configured as [models.{}]: add that table to chitin.toml "
        "(docs/config.md) with its key in the secrets store; until then chat answers that no "
        "model is configured\n",
        state->config.agent.model);
  } else {
    const config::ModelConfig& model = state->config.models.at(state->config.agent.model);
    fmt::print("chitin gateway: the agent uses [models.{}] ({} at {})\n", state->config.agent.model,
               model.model, config::redact_url(model.base_url));
  }
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  (*server)->stop();
  (*server)->wait();
  (void)(*log)->append(audit::Event{"gateway.stop", "cli", "", {{"signal", received}}});
  fmt::print("chitin gateway: stopped\n");
  return kExitOk;
}

int run_token_create(const CommandContext& context, const std::vector<std::string>& scopes,
                     const std::string& name) {
  auto state = load_state(context);
  if (!state) {
    return kExitUsage;
  }
  auto parsed = gateway::parse_scopes(scopes);
  if (!parsed) {
    print_error(parsed.error());
    return kExitUsage;
  }
  auto log = audit::open_installation_log(state->paths, state->config);
  if (!log) {
    print_error(log.error());
    return kExitProblem;
  }
  auto created = gateway::TokenStore(state->paths).create(*parsed, name);
  if (!created) {
    print_error(created.error());
    return exit_code_for(created.error());
  }
  if (auto audited = (*log)->append(audit::Event{
          "auth.token_create",
          "cli",
          "",
          {{"id", created->info.id}, {"name", name}, {"scopes", gateway::scope_names(*parsed)}}});
      !audited) {
    // Unaudited, the token must not stay usable (it is never shown, but its hash is stored).
    (void)gateway::TokenStore(state->paths).revoke(created->info.id);
    print_error(audited.error());
    return kExitProblem;
  }
  fmt::print("{}\n", created->token);
  fmt::print(stderr, "token {} ({}) with scopes {}: shown once, only its hash is kept\n",
             created->info.id, name.empty() ? "unnamed" : name,
             fmt::join(gateway::scope_names(*parsed), ", "));
  return kExitOk;
}

int run_token_list(const CommandContext& context, bool json) {
  const auto paths = initialised_paths(context);
  if (!paths) {
    return kExitUsage;
  }
  auto tokens = gateway::TokenStore(*paths).list();
  if (!tokens) {
    print_error(tokens.error());
    return kExitProblem;
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& token : *tokens) {
    out.push_back({{"id", token.id},
                   {"name", token.name},
                   {"scopes", gateway::scope_names(token.scopes)},
                   {"created", token.created},
                   {"revoked", token.revoked}});
    if (!json) {
      fmt::print("{}  {:<8} {:<20} {}  {}\n", token.id, token.revoked ? "revoked" : "active",
                 token.name, token.created, fmt::join(gateway::scope_names(token.scopes), ","));
    }
  }
  if (json) {
    fmt::print("{}\n", out.dump());
  }
  return kExitOk;
}

int run_token_revoke(const CommandContext& context, const std::string& id) {
  auto state = load_state(context);
  if (!state) {
    return kExitUsage;
  }
  auto log = audit::open_installation_log(state->paths, state->config);
  if (!log) {
    print_error(log.error());
    return kExitProblem;
  }
  auto revoked = gateway::TokenStore(state->paths).revoke(id);
  if (!revoked) {
    print_error(revoked.error());
    return exit_code_for(revoked.error());
  }
  if (auto audited = (*log)->append(audit::Event{"auth.token_revoke", "cli", "", {{"id", id}}});
      !audited) {
    print_error(audited.error());
    return kExitProblem;
  }
  fmt::print("revoked {}; a running gateway refuses it from its next request\n", id);
  return kExitOk;
}

}  // namespace

void add_gateway_command(CLI::App& app, CommandContext& context) {
  CLI::App* gateway = app.add_subcommand(
      "gateway", "Run the local-only, authenticated gateway and web console (until Ctrl-C).");
  gateway->group("Commands");
  auto args = std::make_shared<GatewayArguments>();
  gateway->add_option("--port", args->port, "TCP port (default: gateway.port; 0: any free)")
      ->check(CLI::Range(0, 65535));
  gateway->add_option("--bind", args->bind,
                      "IP address (default: gateway.bind; non-loopback needs TLS)");
  gateway->callback([&context, args] { context.exit_code = run_gateway(context, *args); });

  CLI::App* token = app.add_subcommand("token", "Create, list and revoke scoped gateway tokens.");
  token->group("Commands");
  token->require_subcommand(1);
  CLI::App* create =
      token->add_subcommand("create", "Create a token (printed once) with server-fixed scopes.");
  auto scopes = std::make_shared<std::vector<std::string>>();
  auto name = std::make_shared<std::string>();
  create
      ->add_option("--scope", *scopes,
                   "operator.read, operator.write, operator.admin or operator.approvals "
                   "(repeatable)")
      ->required();
  create->add_option("--name", *name, "A label for the token");
  create->callback(
      [&context, scopes, name] { context.exit_code = run_token_create(context, *scopes, *name); });
  CLI::App* list = token->add_subcommand("list", "List tokens (never their values).");
  auto json = std::make_shared<bool>(false);
  list->add_flag("--json", *json, "Print JSON");
  list->callback([&context, json] { context.exit_code = run_token_list(context, *json); });
  CLI::App* revoke = token->add_subcommand("revoke", "Revoke a token by id.");
  auto id = std::make_shared<std::string>();
  revoke->add_option("ID", *id, "Token id from 'token list'")->required();
  revoke->callback([&context, id] { context.exit_code = run_token_revoke(context, *id); });
}

}  // namespace chitin::cli
