// `chitin secrets set|list|rm|import`: the encrypted secrets store. Values are read from stdin
// (or a no-echo prompt on a terminal), never from argv, and never printed.

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "audit/log.h"
#include "base/crypto.h"
#include "cli/command.h"
#include "cli/secrets_access.h"
#include "egress/rules.h"
#include "secrets/secret_ref.h"
#include "secrets/store.h"
#include "sys/file_ops.h"

namespace chitin::cli {

namespace {

struct SecretsOptions {
  std::string name;
  std::vector<std::string> stray;  // a value typed into argv: refused
  std::vector<std::string> hosts;
  std::string header;
  std::string format;
  bool body = false;
  bool json = false;
  std::string ref;
  std::string ref_file;
};

// Reads the value: from a no-echo prompt on a terminal, else all of stdin (bounded). One
// final newline is dropped (echo adds one).
Result<std::string> read_value(const std::string& name) {
  if (::isatty(STDIN_FILENO) == 1) {
    return read_hidden_line(fmt::format("Value for secret '{}' (not echoed): ", name));
  }
  std::string value =
      CHITIN_TRY(sys::read_all(STDIN_FILENO, secrets::kMaxValueBytes + 2, "the value on stdin"));
  if (value.ends_with('\n')) {
    value.pop_back();
    if (value.ends_with('\r')) {
      value.pop_back();
    }
  }
  return value;
}

Result<void> check_hosts(const std::vector<std::string>& hosts) {
  for (const std::string& host : hosts) {
    auto rule = egress::parse_rule(host);
    if (!rule) {
      return fail(ErrorCode::kInvalidInput, "--hosts {}: {}", host, rule.error().message);
    }
    if (rule->wildcard) {
      return fail(ErrorCode::kInvalidInput,
                  "--hosts {}: a secret is bound to exact hosts, not wildcards (name each host "
                  "that should receive it)",
                  host);
    }
  }
  return {};
}

void audit(const State& state, std::string_view type, const nlohmann::json& details) {
  auto log = audit::open_installation_log(state.paths, state.config);
  if (!log) {
    print_error(fmt::format("warning: the audit log cannot be opened: {}", log.error().describe()));
    return;
  }
  (void)(*log)->append(audit::Event{std::string(type), "cli", "", details});
  (void)(*log)->close();
}

int store_value(const CommandContext& context, const SecretsOptions& options, std::string value,
                std::string_view how) {
  const auto state = load_state(context);
  if (!state) {
    crypto::wipe(value);
    return kExitUsage;
  }
  secrets::Secret secret;
  secret.name = options.name;
  secret.value = std::move(value);
  secret.hosts = options.hosts;
  secret.header = options.header;
  secret.format = options.format.empty() ? "{}" : options.format;
  secret.body = options.body;
  secret.created = std::time(nullptr);
  if (auto hosts = check_hosts(secret.hosts); !hosts) {
    print_error(hosts.error());
    return kExitUsage;
  }
  auto store = open_or_create_store(state->paths);
  if (!store) {
    print_error(store.error());
    return exit_code_for(store.error());
  }
  if (auto put = store->put(std::move(secret)); !put) {
    print_error(put.error());
    return exit_code_for(put.error());
  }
  audit(*state, "secret.set",
        {{"name", options.name}, {"hosts", options.hosts}, {"how", std::string(how)}});
  fmt::print("stored secret '{}'", options.name);
  if (options.hosts.empty()) {
    fmt::print(
        " (bound to no host: it can be granted, but the egress proxy will send it "
        "nowhere until you set --hosts)");
  }
  fmt::print("\n");
  return kExitOk;
}

int run_set(const CommandContext& context, const SecretsOptions& options) {
  if (!options.stray.empty()) {
    print_error(
        "a secret value on the command line is refused (it would stay in your shell history "
        "and be visible in the process list); pipe it on stdin instead, e.g. "
        "'chitin secrets set NAME --hosts HOST < file', or run the command in a terminal to be "
        "prompted; nothing was stored");
    return kExitUsage;
  }
  if (auto name = secrets::check_name(options.name); !name) {
    print_error(name.error());
    return kExitUsage;
  }
  if (!options.format.empty()) {
    if (auto format = secrets::check_format(options.format); !format) {
      print_error(format.error());
      return kExitUsage;
    }
  }
  auto value = read_value(options.name);
  if (!value) {
    print_error(value.error());
    return kExitUsage;
  }
  if (auto valid = secrets::check_value(*value); !valid) {
    crypto::wipe(*value);
    print_error(valid.error());
    return kExitUsage;
  }
  return store_value(context, options, std::move(*value), "stdin");
}

int run_import(const CommandContext& context, const SecretsOptions& options) {
  if (auto name = secrets::check_name(options.name); !name) {
    print_error(name.error());
    return kExitUsage;
  }
  auto ref = secrets::parse_secret_ref(options.ref);
  if (!ref) {
    print_error(ref.error());
    return kExitUsage;
  }
  std::string file = options.ref_file;
  if (file.empty() && ref->source == "file") {
    const char* home = std::getenv("HOME");
    file = std::string(home != nullptr ? home : "") + "/.openclaw/secrets.json";
  }
  auto value = secrets::resolve_secret_ref(*ref, file);
  if (!value) {
    print_error(value.error());
    return exit_code_for(value.error());
  }
  if (auto valid = secrets::check_value(*value); !valid) {
    crypto::wipe(*value);
    print_error(valid.error());
    return kExitUsage;
  }
  return store_value(context, options, std::move(*value), "secretref:" + ref->source);
}

std::string when(std::int64_t seconds) {
  if (seconds == 0) {
    return "never";
  }
  const std::time_t t = seconds;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M", &tm);
  return text;
}

int run_list(const CommandContext& context, const SecretsOptions& options) {
  const auto state = load_state(context);
  if (!state) {
    return kExitUsage;
  }
  auto exists = secrets::Store::exists(store_files(state->paths));
  if (exists && !*exists) {
    fmt::print("{}\n",
               options.json ? "[]" : "no secrets stored ('chitin secrets set NAME' adds one)");
    return kExitOk;
  }
  // Opening authenticates: a wrong passphrase or a damaged store is reported here.
  auto store = open_store(state->paths);
  if (!store) {
    print_error(store.error());
    return exit_code_for(store.error());
  }
  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const secrets::Secret& secret : store->secrets()) {
      out.push_back({{"name", secret.name},
                     {"hosts", secret.hosts},
                     {"header", secret.header},
                     {"format", secret.format},
                     {"body", secret.body},
                     {"placeholder", secrets::placeholder(secret.name)},
                     {"env", secrets::env_name(secret.name)},
                     {"created", secret.created},
                     {"last_used", secret.last_used}});
    }
    fmt::print("{}\n", out.dump());
    return kExitOk;
  }
  if (store->secrets().empty()) {
    fmt::print("no secrets stored ('chitin secrets set NAME' adds one)\n");
    return kExitOk;
  }
  std::size_t width = 20;  // names up to 64 characters: the column grows to the longest
  for (const secrets::Secret& secret : store->secrets()) {
    width = std::max(width, secret.name.size());
  }
  fmt::print("{:<{}} {:<36} {:<17} {:<17} {}\n", "NAME", width, "HOSTS", "CREATED (UTC)",
             "LAST USED", "INJECTION");
  for (const secrets::Secret& secret : store->secrets()) {
    std::string hosts;
    for (const std::string& host : secret.hosts) {
      hosts += (hosts.empty() ? "" : ",") + host;
    }
    const std::string injection =
        secret.header.empty() ? "placeholder" : fmt::format("{}: {}", secret.header, secret.format);
    fmt::print("{:<{}} {:<36} {:<17} {:<17} {}\n", secret.name, width, hosts.empty() ? "-" : hosts,
               when(secret.created), when(secret.last_used), injection);
  }
  return kExitOk;
}

int run_rm(const CommandContext& context, const SecretsOptions& options) {
  const auto state = load_state(context);
  if (!state) {
    return kExitUsage;
  }
  auto store = open_store(state->paths);
  if (!store) {
    print_error(store.error());
    return exit_code_for(store.error());
  }
  auto removed = store->remove(options.name);
  if (!removed) {
    print_error(removed.error());
    return exit_code_for(removed.error());
  }
  if (!*removed) {
    print_error(fmt::format("there is no secret named '{}' ('chitin secrets list' shows them)",
                            options.name));
    return kExitUsage;
  }
  audit(*state, "secret.remove", {{"name", options.name}});
  fmt::print(
      "removed secret '{}' (the previous store is kept in secrets/store.bak until the "
      "next change)\n",
      options.name);
  return kExitOk;
}

void add_binding_options(CLI::App* command, SecretsOptions& options) {
  command
      ->add_option("--hosts", options.hosts,
                   "Hosts that may receive it (egress rule syntax: host, host:port, IP:port)")
      ->delimiter(',');
  command->add_option("--header", options.header,
                      "Header to set on requests to those hosts (header-only injection), e.g. "
                      "Authorization or x-api-key");
  command->add_option("--format", options.format,
                      "How the header value is built, '{}' is the secret (default '{}')");
  command->add_flag("--body", options.body,
                    "Also substitute its placeholder in request bodies (default: headers and URL)");
}

}  // namespace

void add_secrets_command(CLI::App& app, CommandContext& context) {
  CLI::App* secrets_app =
      app.add_subcommand("secrets", "Manage the encrypted secrets store (values are never shown).");
  secrets_app->group("Commands");
  secrets_app->require_subcommand(1);
  auto options = std::make_shared<SecretsOptions>();

  CLI::App* set = secrets_app->add_subcommand(
      "set", "Store a secret; the value is read from stdin (or a hidden prompt), never argv.");
  set->add_option("name", options->name, "Secret name (e.g. openai, GITHUB_TOKEN)")->required();
  set->add_option("value", options->stray, "(refused: values never go on the command line)");
  add_binding_options(set, *options);
  set->callback([&context, options] { context.exit_code = run_set(context, *options); });

  CLI::App* import = secrets_app->add_subcommand(
      "import", "Store a secret resolved from an OpenClaw SecretRef {source, provider, id}.");
  import->add_option("name", options->name, "Secret name")->required();
  import->add_option("--ref", options->ref, "The SecretRef as JSON (source env or file)")
      ->required();
  import->add_option("--file", options->ref_file,
                     "The provider's file for source=file (default ~/.openclaw/secrets.json)");
  add_binding_options(import, *options);
  import->callback([&context, options] { context.exit_code = run_import(context, *options);
});

CLI::App* list = secrets_app->add_subcommand(
    "list", "List secrets: names, hosts, created and last used (never values).");
list->add_flag("--json", options->json, "Print JSON");
list->callback([&context, options] { context.exit_code = run_list(context, *options); });

CLI::App* rm = secrets_app->add_subcommand("rm", "Remove a secret.");
rm->add_option("name", options->name, "Secret name")->required();
rm->callback([&context, options] { context.exit_code = run_rm(context, *options); });
}  // namespace chitin::cli

}  // namespace chitin::cli
