// The plan of `chitin import-openclaw`: every decision, made from the OpenClaw state
// directory alone (read, never changed). See openclaw_import.h.

#include <fcntl.h>
#include <fmt/format.h>
#include <limits.h>
#include <stdlib.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <optional>
#include <set>

#include "base/ascii.h"
#include "config/schema.h"
#include "doctor/openclaw_checks.h"
#include "doctor/openclaw_import.h"
#include "doctor/openclaw_scopes.h"
#include "privacy/detector.h"
#include "secrets/secret_ref.h"
#include "sys/file_ops.h"

namespace chitin::doctor {

namespace {

constexpr std::size_t kMaxWorkspaceFileBytes = 1U << 20;

// Hosts a known provider's or channel's key is sent to (the secret is bound to them).
struct KnownService {
  std::string_view name;  // provider id, channel id or env-variable stem
  std::string_view host;
  std::string_view base_url;  // for model providers; empty otherwise
  std::string_view api;       // "openai" or "anthropic"
};
constexpr KnownService kServices[] = {
    {"openai", "api.openai.com", "https://api.openai.com/v1", "openai"},
    {"anthropic", "api.anthropic.com", "https://api.anthropic.com", "anthropic"},
    {"deepseek", "api.deepseek.com", "https://api.deepseek.com/v1", "openai"},
    {"moonshot", "api.moonshot.cn", "https://api.moonshot.cn/v1", "openai"},
    {"openrouter", "openrouter.ai", "https://openrouter.ai/api/v1", "openai"},
    {"mistral", "api.mistral.ai", "https://api.mistral.ai/v1", "openai"},
    {"groq", "api.groq.com", "https://api.groq.com/openai/v1", "openai"},
    {"xai", "api.x.ai", "https://api.x.ai/v1", "openai"},
    {"together", "api.together.xyz", "https://api.together.xyz/v1", "openai"},
    {"dashscope", "dashscope.aliyuncs.com", "https://dashscope.aliyuncs.com/compatible-mode/v1",
     "openai"},
    {"zhipu", "open.bigmodel.cn", "https://open.bigmodel.cn/api/paas/v4", "openai"},
    {"minimax", "api.minimax.chat", "https://api.minimax.chat/v1", "openai"},
    {"gemini", "generativelanguage.googleapis.com", "", ""},
    {"telegram", "api.telegram.org", "", ""},
    {"discord", "discord.com", "", ""},
    {"slack", "slack.com", "", ""},
    {"github", "api.github.com", "", ""},
};

const KnownService* known_service(std::string_view name) {
  const std::string lower = ascii_lower(name);
  for (const KnownService& service : kServices) {
    if (lower == service.name || lower.starts_with(std::string(service.name) + "_")) {
      return &service;
    }
  }
  return nullptr;
}

// A name in the secrets store's alphabet: "telegram.botToken" -> "telegram_botToken".
std::string secret_name_for(std::string_view raw) {
  std::string name;
  for (const char c : raw) {
    name.push_back(secrets::kNameChars.find(c) != std::string_view::npos && c != '.' ? c : '_');
  }
  if (name.empty() || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'))) {
    name = "openclaw_" + name;
  }
  return name.substr(0, 64);
}

// True when `path` (resolved, symlinks included) is `dir` or inside it.
bool inside(const std::string& dir, const std::string& path) {
  char real_dir[PATH_MAX];
  char real_path[PATH_MAX];
  if (::realpath(dir.c_str(), real_dir) == nullptr ||
      ::realpath(path.c_str(), real_path) == nullptr) {
    return false;
  }
  const std::string root(real_dir);
  const std::string target(real_path);
  return target == root || target.starts_with(root + "/");
}

// host[:port] of an https:// or http:// URL; empty when it has none.
std::string url_host(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) {
    return {};
  }
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  return std::string(
      rest.substr(rest.find('@') == std::string_view::npos ? 0 : rest.find('@') + 1));
}

class Planner {
 public:
  Planner(const OpenClawInstall& install, const ImportContext& context, ImportPlan& plan)
      : install_(install), s_(install.settings), context_(context), plan_(plan) {}

  void run() {
    plan_.config = context_.current;
    gateway();
    secrets_from_config();
    secrets_from_env_file();
    secrets_from_auth_profiles();
    models();
    workspace();
    skills();
    policy();
    other_agents();
  }

 private:
  void line(ImportAction action, std::string what, std::string why) {
    plan_.report.push_back(ImportLine{action, std::move(what), std::move(why)});
  }

  // Adds a secret to the plan (first value of a name wins; the store's own is kept).
  std::string add_secret(std::string name, const std::string& value, std::string_view origin,
                         std::vector<std::string> hosts) {
    name = secret_name_for(name);
    if (value.empty() || secrets::check_value(value).has_value() == false) {
      line(ImportAction::kDropped, "secret " + name,
           fmt::format("the value from {} cannot be stored (empty, too short, or several "
                       "lines){}",
                       origin,
                       origin.starts_with("workspace ") ? "; it was removed from the copy" : ""));
      return {};
    }
    for (const secrets::Secret& planned : plan_.secrets) {
      if (planned.value == value) {
        return planned.name;  // the same key configured twice
      }
    }
    const auto planned_name = [&](const std::string& candidate) {
      return std::any_of(plan_.secrets.begin(), plan_.secrets.end(),
                         [&](const secrets::Secret& p) { return p.name == candidate; });
    };
    const std::string base = name;
    for (int n = 2; planned_name(name); ++n) {
      name = secret_name_for(fmt::format("{}_{}", base.substr(0, 56), n));  // stays unique
    }
    if (std::find(context_.existing_secrets.begin(), context_.existing_secrets.end(), name) !=
        context_.existing_secrets.end()) {
      line(ImportAction::kDropped, "secret " + name,
           fmt::format("Chitin's store already has a secret of that name; kept it (the value "
                       "from {} was not imported)",
                       origin));
      return name;
    }
    secrets::Secret secret;
    secret.name = name;
    secret.value = value;
    secret.hosts = std::move(hosts);
    secret.created = static_cast<std::int64_t>(std::time(nullptr));
    line(ImportAction::kTaken, "secret " + name,
         fmt::format("moved from {} into the encrypted store{}", origin,
                     secret.hosts.empty()
                         ? "; bind it to hosts with chitin secrets set " + name + " --hosts"
                         : fmt::format(", bound to {}", fmt::join(secret.hosts, ", "))));
    plan_.secrets.push_back(std::move(secret));
    return name;
  }

  void gateway() {
    const std::string bind = string_setting(s_, "gateway.bind", "loopback");
    line(bind == "loopback" ? ImportAction::kTaken : ImportAction::kChanged, "gateway.bind",
         bind == "loopback"
             ? "loopback, as before (127.0.0.1)"
             : fmt::format("\"{}\" became 127.0.0.1: Chitin's gateway is reached over SSH or a "
                           "VPN, never exposed by an import",
                           bind));
    plan_.config.gateway.bind = "127.0.0.1";
    const std::string mode = string_setting(s_, "gateway.auth.mode", "token");
    line(mode == "token" ? ImportAction::kTaken : ImportAction::kChanged, "gateway.auth",
         fmt::format("\"{}\" became token auth with Chitin's own token (gateway.token); the "
                     "OpenClaw token or password is not reused",
                     mode));
    if (const auto* port = find_setting(s_, "gateway.port"); port && port->is_number_integer()) {
      line(ImportAction::kChanged, "gateway.port",
           fmt::format("kept Chitin's port {} (OpenClaw used {}), so both can run while you "
                       "move",
                       plan_.config.gateway.port, port->get<std::int64_t>()));
    }
    std::vector<std::string> origins;
    for (const std::string& origin : strings_setting(s_, "gateway.controlUi.allowedOrigins")) {
      // Exactly a loopback host ("localhost.evil.com" and "127.0.0.1.nip.io" are not).
      std::string host = url_host(origin);
      if (host.starts_with("[::1]")) {
        host = host.substr(5);
      } else {
        const std::string name = host.substr(0, host.find(':'));
        host = name == "localhost" || config::is_loopback_literal(name) ? host.substr(name.size())
                                                                        : "x";
      }
      const bool local =
          host.empty() || (host.front() == ':' && host.size() > 1 &&
                           host.find_first_not_of("0123456789", 1) == std::string::npos);
      if (local && origin.starts_with("http")) {
        origins.push_back(origin);
      } else {
        line(ImportAction::kDropped, "gateway.controlUi.allowedOrigins " + origin,
             origin == "*" ? "a wildcard origin lets any web page drive the gateway"
                           : "only loopback origins make sense for a loopback gateway");
      }
    }
    for (const std::string& origin : origins) {
      if (std::find(plan_.config.gateway.allowed_origins.begin(),
                    plan_.config.gateway.allowed_origins.end(),
                    origin) == plan_.config.gateway.allowed_origins.end()) {
        plan_.config.gateway.allowed_origins.push_back(origin);
        line(ImportAction::kTaken, "gateway.allowed_origins " + origin, "a loopback origin");
      }
    }
    for (const auto& [key, why] :
         std::initializer_list<std::pair<std::string_view, std::string_view>>{
             {"gateway.tailscale", "Tailscale serve/funnel publishing is not imported"},
             {"gateway.trustedProxies", "a loopback gateway trusts no proxy"},
             {"gateway.tls", "a loopback gateway needs no TLS"},
             {"gateway.remote", "remote gateway mode is not supported"},
             {"gateway.nodes", "paired device nodes are not supported yet"},
             {"gateway.tools", "Chitin's HTTP API never invokes tools directly"},
             {"discovery", "Chitin never announces itself with mDNS"},
             {"hooks", "webhooks are not supported yet; re-create them when they land"},
             {"browser", "browser control is not imported"},
             {"plugins", "in-process plugins do not exist in Chitin (MCP servers instead)"}}) {
      if (find_setting(s_, key) != nullptr) {
        line(ImportAction::kDropped, std::string(key), std::string(why));
      }
    }
  }

  // A credential setting: its value when plaintext, a resolved ${ENV}/SecretRef, or nothing.
  std::optional<std::string> credential_value(std::string_view dotted) {
    const Credential credential = credential_at(install_, dotted);
    switch (credential.form) {
      case CredentialForm::kLiteral:
      case CredentialForm::kEnvResolved:
        return credential.value;
      case CredentialForm::kSecretRef: {
        if (!credential.value.empty()) {
          return credential.value;  // an env ref the daemon's .env resolves
        }
        auto parsed = secrets::parse_secret_ref(find_setting(s_, dotted)->dump());
        if (!parsed) {
          line(ImportAction::kDropped, std::string(dotted), parsed.error().message);
          return std::nullopt;
        }
        // Only what the OpenClaw directory itself holds: never the importing shell's
        // environment, never a file elsewhere that its config names (a crafted directory must
        // not be able to lift the user's own keys and bind them to a host of its choosing).
        if (parsed->source != "file") {
          line(ImportAction::kDropped, std::string(dotted),
               parsed->source == "env"
                   ? fmt::format("its SecretRef names {}, which the OpenClaw .env does not set; "
                                 "store the value with chitin secrets set",
                                 parsed->id)
                   : fmt::format("{} SecretRefs are not resolved by the importer; store the "
                                 "value with chitin secrets set",
                                 parsed->source));
          return std::nullopt;
        }
        const std::string file =
            string_setting(s_, fmt::format("secrets.providers.{}.path", parsed->provider),
                           install_.dir + "/secrets.json");
        if (!inside(install_.dir, file)) {
          line(ImportAction::kDropped, std::string(dotted),
               "its SecretRef file is outside the OpenClaw directory; import it with chitin "
               "secrets import");
          return std::nullopt;
        }
        auto value = secrets::resolve_secret_ref(*parsed, file);
        if (!value) {
          line(ImportAction::kDropped, std::string(dotted),
               fmt::format("its SecretRef does not resolve here: {}", value.error().message));
          return std::nullopt;
        }
        return *value;
      }
      case CredentialForm::kEnvUnresolved:
      case CredentialForm::kShorthand:
        line(ImportAction::kDropped, std::string(dotted),
             "refers to an environment variable that is not set in the OpenClaw .env; store "
             "the value with chitin secrets set");
        return std::nullopt;
      case CredentialForm::kAbsent:
        break;
    }
    return std::nullopt;
  }

  void secrets_from_config() {
    std::vector<std::string> paths;
    find_plaintext_settings(s_, "", paths);
    // SecretRefs and ${ENV} are credentials too; the plaintext walk skips them.
    collect_references(s_, "", paths);
    std::sort(paths.begin(), paths.end());
    paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
    for (const std::string& path : paths) {
      if (path.starts_with("gateway.") || path.starts_with("hooks.")) {
        line(ImportAction::kDropped, path,
             "gateway and hook credentials are not reused: Chitin has its own token; rotate "
             "this one in OpenClaw if it was ever exposed");
        continue;
      }
      if (path.find('[') != std::string::npos) {
        line(ImportAction::kDropped, path, "credentials inside lists are not imported");
        continue;
      }
      auto value = credential_value(path);
      if (!value) {
        continue;
      }
      // models.providers.<id>.apiKey -> <id>; channels.<id>.<key> -> <id>_<key>;
      // skills.entries.<skill>.env.<VAR> and env.<VAR> -> VAR.
      std::string name;
      std::vector<std::string> hosts;
      std::vector<std::string> parts;
      for (std::size_t at = 0; at <= path.size();) {
        const auto dot = std::min(path.find('.', at), path.size());
        parts.push_back(path.substr(at, dot - at));
        at = dot + 1;
      }
      if (parts.size() == 4 && parts[0] == "models" && parts[1] == "providers") {
        name = parts[2];
        const std::string host =
            url_host(string_setting(s_, "models.providers." + parts[2] + ".baseUrl"));
        if (!host.empty()) {
          hosts.push_back(host);
        }
      } else if (parts.size() >= 3 && parts[0] == "channels") {
        name = parts[1] + "_" + parts.back();
      } else if (parts.size() >= 2 && (parts[parts.size() - 2] == "env" || parts[0] == "env")) {
        name = parts.back();
      } else if (parts.size() == 4 && parts[0] == "skills" && parts[1] == "entries") {
        name = ascii_lower(parts[2]) + "_" + parts[3];
      } else {
        name = path;
      }
      if (hosts.empty()) {
        if (const KnownService* service = known_service(name)) {
          hosts.emplace_back(service->host);
        }
      }
      const std::string stored = add_secret(name, *value, path, hosts);
      if (parts.size() == 4 && parts[0] == "models" && parts[1] == "providers" && !stored.empty()) {
        provider_secrets_[parts[2]] = stored;
      }
    }
  }

  static void collect_references(const nlohmann::json& node, const std::string& path,
                                 std::vector<std::string>& out) {
    if (!node.is_object()) {
      return;
    }
    for (const auto& [key, value] : node.items()) {
      const std::string child = path.empty() ? key : path + "." + key;
      if (secret_name(key) && is_secret_reference(value)) {
        out.push_back(child);
      } else {
        collect_references(value, child, out);
      }
    }
  }

  void secrets_from_env_file() {
    auto text = sys::read_regular_file(install_.dir + "/.env", 1 << 20);
    if (!text) {
      return;
    }
    for (const std::string& name : plaintext_env_names(*text)) {
      const auto value = install_.env.find(name);
      if (value == install_.env.end()) {
        continue;
      }
      std::vector<std::string> hosts;
      if (const KnownService* service = known_service(name)) {
        hosts.emplace_back(service->host);
      }
      const std::string stored = add_secret(name, value->second, ".env", hosts);
      if (const KnownService* service = known_service(name); service && !stored.empty()) {
        provider_secrets_.emplace(std::string(service->name), stored);
      }
    }
  }

  void secrets_from_auth_profiles() {
    const std::string path = install_.dir + "/agents/main/agent/auth-profiles.json";
    auto text = sys::read_regular_file(path, 1 << 20);
    if (!text) {
      return;
    }
    const auto json = parse_bounded_json(*text);
    const auto* profiles = find_setting(json, "profiles");
    if (profiles == nullptr || !profiles->is_object()) {
      return;
    }
    for (const auto& [id, profile] : profiles->items()) {
      const std::string provider = string_setting(profile, "provider", id.substr(0, id.find(':')));
      for (const std::string_view key : {"key", "apiKey", "token", "access"}) {
        const std::string value = string_setting(profile, key);
        if (value.empty()) {
          continue;
        }
        std::vector<std::string> hosts;
        if (const KnownService* service = known_service(provider)) {
          hosts.emplace_back(service->host);
        }
        const std::string stored =
            add_secret(provider, value, "agents/main/agent/auth-profiles.json", hosts);
        if (!stored.empty()) {
          provider_secrets_.emplace(provider, stored);
        }
        break;
      }
    }
  }

  // agents.defaults.model ("provider/model" or {primary, fallbacks}) -> [models.default] and
  // one [models.<provider>] per other provider.
  void models() {
    std::vector<std::string> refs;
    if (const auto* model = find_setting(s_, "agents.defaults.model")) {
      if (model->is_string()) {
        refs.push_back(model->get<std::string>());
      } else {
        const std::string primary = string_setting(*model, "primary");
        if (!primary.empty()) {
          refs.push_back(primary);
        }
        for (const std::string& fallback : strings_setting(*model, "fallbacks")) {
          refs.push_back(fallback);
        }
      }
    }
    if (refs.empty()) {
      line(ImportAction::kDropped, "agents.defaults.model",
           "no default model is configured; add one under [models.default]");
      return;
    }
    std::set<std::string> providers_done;
    for (std::size_t i = 0; i < refs.size(); ++i) {
      const std::string& ref = refs[i];
      const auto slash = ref.find('/');
      if (slash == std::string::npos) {
        line(ImportAction::kDropped, "model " + ref, "not in provider/model form");
        continue;
      }
      const std::string provider = ref.substr(0, slash);
      config::ModelConfig model;
      model.model = ref.substr(slash + 1);
      const std::string prefix = "models.providers." + provider;
      const std::string api = string_setting(s_, prefix + ".api");
      const KnownService* service = known_service(provider);
      model.base_url = string_setting(s_, prefix + ".baseUrl",
                                      service != nullptr ? service->base_url : std::string_view());
      model.provider = api.starts_with("anthropic")               ? "anthropic"
                       : api.starts_with("openai") || api.empty() ? "openai"
                                                                  : "";
      if (api.empty() && service != nullptr && !service->api.empty()) {
        model.provider = std::string(service->api);
      }
      const std::string name = i == 0 ? "default" : secret_name_for(provider);
      if (model.base_url.empty() || model.provider.empty()) {
        line(ImportAction::kDropped, "model " + ref,
             fmt::format("provider {} has {}; Chitin speaks OpenAI-compatible and Anthropic "
                         "APIs",
                         provider, model.base_url.empty() ? "no known base URL" : "API " + api));
        continue;
      }
      if (auto ok = config::check_model_url(model.base_url); !ok) {
        line(ImportAction::kDropped, "model " + ref, ok.error().message);
        continue;
      }
      if (i > 0 && !providers_done.insert(provider).second) {
        line(ImportAction::kDropped, "model " + ref,
             "a second model of the same provider; add it by hand if you need it");
        continue;
      }
      providers_done.insert(provider);
      const auto key = provider_secrets_.find(provider);
      if (key != provider_secrets_.end()) {
        model.api_key_secret = key->second;
      }
      if (plan_.config.models.contains(name)) {
        line(ImportAction::kDropped, "model " + ref,
             fmt::format("[models.{}] already exists in chitin.toml; kept it", name));
        continue;
      }
      line(ImportAction::kTaken, fmt::format("[models.{}]", name),
           fmt::format("{} via {} ({}){}", model.model, model.base_url, model.provider,
                       model.api_key_secret.empty()
                           ? "; no key found: store one and set api_key_secret"
                           : ", key from secret " + model.api_key_secret));
      plan_.config.models[name] = std::move(model);
    }
  }

  // The persona and memory files of the default agent; secrets inside become placeholders.
  void workspace() {
    const std::string root = openclaw_workspace(install_);
    std::vector<std::string> names = {"AGENTS.md", "SOUL.md",      "IDENTITY.md",
                                      "USER.md",   "TOOLS.md",     "HEARTBEAT.md",
                                      "BOOT.md",   "BOOTSTRAP.md", "MEMORY.md"};
    if (auto fd = sys::open_file(root + "/memory", O_RDONLY | O_DIRECTORY | O_NOFOLLOW)) {
      if (auto entries = sys::list_directory(fd->get(), 10000)) {
        for (const auto& entry : *entries) {
          if (entry.status.is_regular && entry.name.ends_with(".md")) {
            names.push_back("memory/" + entry.name);
          }
        }
      }
    }
    std::size_t copied = 0;
    for (const std::string& name : names) {
      auto text = sys::read_regular_file(root + "/" + name, kMaxWorkspaceFileBytes);
      if (!text) {
        auto status = sys::status_if_exists(root + "/" + name);
        if (status && *status) {
          line(ImportAction::kDropped, "workspace " + name, text.error().describe());
        }
        continue;
      }
      std::string content = std::move(*text);
      const std::size_t moved = move_secrets_out(content, name);
      plan_.files.push_back(ImportFile{name, std::move(content)});
      ++copied;
      line(moved == 0 ? ImportAction::kTaken : ImportAction::kChanged, "workspace " + name,
           moved == 0 ? "copied"
                      : fmt::format("copied with {} secret(s) moved into the store and replaced "
                                    "by chitin-secret:// placeholders",
                                    moved));
    }
    if (copied == 0) {
      line(ImportAction::kDropped, "workspace",
           fmt::format("no persona or memory files in {}", root));
    }
    line(ImportAction::kDropped, "transcripts",
         "sessions start fresh in Chitin; OpenClaw's transcripts stay where they are");
    if (auto status = sys::status_if_exists(install_.dir + "/credentials"); status && *status) {
      line(ImportAction::kDropped, "credentials/",
           "channel sessions and OAuth tokens are not moved: pair the channels again in Chitin "
           "(approved senders were taken into the channel policy)");
    }
  }

  std::size_t move_secrets_out(std::string& content, const std::string& file) {
    if (context_.shapes == nullptr) {
      return 0;
    }
    auto entities = context_.shapes->detect(content);
    if (!entities) {
      return 0;
    }
    std::size_t moved = 0;
    // Back to front, so earlier offsets stay valid.
    for (auto it = entities->rbegin(); it != entities->rend(); ++it) {
      const privacy::EntityType& type = context_.shapes->types()[it->type];
      if (!privacy::is_credential_type(type)) {
        continue;
      }
      const std::string value = content.substr(it->start, it->end - it->start);
      std::string kind = ascii_lower(type.id);
      if (kind.starts_with("secret_")) {
        kind = kind.substr(7);
      }
      std::vector<std::string> hosts;
      if (const KnownService* service = known_service(kind)) {
        hosts.emplace_back(service->host);
      }
      const std::string name = add_secret("workspace_" + kind, value, "workspace " + file, hosts);
      // A value the store cannot hold (a multi-line private key, a very short token) is still
      // never copied: it is cut out, and the report says so.
      content.replace(it->start, it->end - it->start,
                      name.empty() ? fmt::format("[{} removed by chitin import-openclaw]", kind)
                                   : secrets::placeholder(name));
      ++moved;
    }
    return moved;
  }

  void skills() {
    const SkillDirs found = openclaw_skill_dirs(install_);
    for (const auto& [name, dir] : found.skills) {
      plan_.skills.push_back(ImportSkill{name, dir});
      line(ImportAction::kTaken, "skill " + name,
           "to be verified and scanned on import; installed quarantined when unsigned, refused "
           "when the scan finds something high");
    }
    for (const auto& [link, target] : found.escapes) {
      line(ImportAction::kDropped, "skill " + link,
           "a symlink out of its folder; copy the skill in if you want it");
    }
  }

  // Channel, tool and exec-approval policy, closed where OpenClaw left it open.
  void policy() {
    nlohmann::json policy = {{"format", 1},
                             {"source", install_.dir},
                             {"imported_at", static_cast<std::int64_t>(std::time(nullptr))}};
    nlohmann::json channels = nlohmann::json::object();
    if (const auto* list = find_setting(s_, "channels"); list && list->is_object()) {
      for (const auto& [name, channel] : list->items()) {
        if (name == "defaults" || !channel.is_object()) {
          continue;
        }
        channels[name] = channel_policy(name, channel);
      }
    }
    policy["channels"] = std::move(channels);
    const std::string scope = string_setting(s_, "session.dmScope", "main");
    policy["session"] = {{"dm_scope", "per-channel-peer"}};
    if (scope != "per-channel-peer") {
      line(
          ImportAction::kChanged, "session.dmScope",
          fmt::format("\"{}\" became per-channel-peer: each sender gets their own session", scope));
    }
    nlohmann::json tools = {{"profile", string_setting(s_, "tools.profile", "")},
                            {"allow", strings_setting(s_, "tools.allow")},
                            {"deny", strings_setting(s_, "tools.deny")}};
    line(ImportAction::kTaken, "tools.profile/allow/deny", "kept as the tool policy");
    if (bool_setting(s_, "tools.elevated.enabled", true) &&
        find_setting(s_, "tools.elevated.allowFrom") != nullptr) {
      line(ImportAction::kDropped, "tools.elevated",
           "Chitin has no sandbox bypass; risky actions ask for approval instead");
    }
    policy["tools"] = std::move(tools);
    policy["exec"] = exec_policy();
    plan_.policy = std::move(policy);
  }

  nlohmann::json channel_policy(const std::string& name, const nlohmann::json& channel) {
    std::string dm = string_setting(channel, "dmPolicy", "pairing");
    std::vector<std::string> allow;
    for (const std::string& entry : strings_setting(channel, "allowFrom")) {
      if (entry == "*") {
        line(ImportAction::kDropped, fmt::format("channels.{}.allowFrom \"*\"", name),
             "a wildcard admits everyone");
      } else {
        allow.push_back(entry);
      }
    }
    // Approved pairings (credentials/<channel>-allowFrom.json).
    if (auto text = sys::read_regular_file(
            fmt::format("{}/credentials/{}-allowFrom.json", install_.dir, name), 1 << 20)) {
      const auto json = parse_bounded_json(*text);
      for (const std::string& entry : strings_setting(json, "allowFrom")) {
        if (entry != "*" && std::find(allow.begin(), allow.end(), entry) == allow.end()) {
          allow.push_back(entry);
        }
      }
    }
    if (dm == "open") {
      line(ImportAction::kChanged, fmt::format("channels.{}.dmPolicy", name),
           "\"open\" became \"pairing\": strangers must be approved first");
      dm = "pairing";
    }
    std::string group = string_setting(channel, "groupPolicy", "allowlist");
    if (group == "open") {
      line(ImportAction::kChanged, fmt::format("channels.{}.groupPolicy", name),
           "\"open\" became \"allowlist\" with mentions required");
      group = "allowlist";
    }
    std::vector<std::string> group_allow;
    for (const std::string& entry : strings_setting(channel, "groupAllowFrom")) {
      if (entry != "*") {
        group_allow.push_back(entry);
      }
    }
    line(ImportAction::kTaken, fmt::format("channels.{} allow-lists", name),
         fmt::format("{} sender(s), {} group sender(s)", allow.size(), group_allow.size()));
    return {{"dm_policy", dm},
            {"allow_from", allow},
            {"group_policy", group},
            {"group_allow_from", group_allow},
            {"require_mention", true}};
  }

  // The exec-approvals document and safe bins, re-validated: only absolute paths of single
  // programs; interpreters and shells (which run anything) and patterns are dropped.
  nlohmann::json exec_policy() {
    std::string security = string_setting(s_, "tools.exec.security", "full");
    if (security == "full") {
      line(ImportAction::kChanged, "tools.exec.security",
           "\"full\" became \"allowlist\": only approved programs run, each in the sandbox");
      security = "allowlist";
    }
    std::string ask = string_setting(s_, "tools.exec.ask", "off");
    if (ask == "off" && security != "deny") {
      line(ImportAction::kChanged, "tools.exec.ask", "\"off\" became \"on-miss\"");
      ask = "on-miss";
    }
    std::vector<std::string> safe_bins;
    for (const std::string& bin : strings_setting(s_, "tools.exec.safeBins")) {
      if (is_interpreter_name(bin)) {
        line(ImportAction::kDropped, "tools.exec.safeBins " + bin,
             "an interpreter or shell runs whatever it is given");
      } else {
        safe_bins.push_back(bin);
      }
    }
    nlohmann::json allowlist = nlohmann::json::array();
    for (const auto& [agent, pattern] : approval_patterns()) {
      const std::string base = pattern.substr(pattern.rfind('/') + 1);
      std::string why;
      if (pattern.empty() || pattern.front() != '/') {
        why = "not an absolute path";
      } else if (pattern.find_first_of("*?[{") != std::string::npos) {
        why = "a pattern could match interpreters; approve programs one by one";
      } else if (is_interpreter_name(base)) {
        why = "a bare interpreter or shell runs anything";
      }
      if (!why.empty()) {
        line(ImportAction::kDropped, fmt::format("exec approval {} ({})", pattern, agent), why);
        continue;
      }
      allowlist.push_back({{"agent", agent}, {"path", pattern}});
      line(ImportAction::kTaken, fmt::format("exec approval {} ({})", pattern, agent),
           "re-validated: an absolute path of one program");
    }
    return {
        {"security", security}, {"ask", ask}, {"safe_bins", safe_bins}, {"allowlist", allowlist}};
  }

  std::vector<std::pair<std::string, std::string>> approval_patterns() {
    std::vector<std::pair<std::string, std::string>> out;
    const nlohmann::json document = read_exec_approvals(install_, nullptr);
    const auto* agents = find_setting(document, "agents");
    if (agents == nullptr || !agents->is_object()) {
      return out;
    }
    for (const auto& [id, agent] : agents->items()) {
      const auto* list = find_setting(agent, "allowlist");
      if (list == nullptr || !list->is_array()) {
        continue;
      }
      for (const auto& entry : *list) {
        out.emplace_back(id, string_setting(entry, "pattern"));
      }
    }
    return out;
  }

  void other_agents() {
    for (const AgentEntry& agent : agent_entries(s_)) {
      if (agent.id != "main" && !bool_setting(*agent.settings, "default", false)) {
        line(ImportAction::kDropped, "agent " + agent.id,
             "one agent per Chitin installation for now; import it into a second installation "
             "(chitin --home DIR init)");
      }
    }
  }

  const OpenClawInstall& install_;
  const nlohmann::json& s_;
  const ImportContext& context_;
  ImportPlan& plan_;
  std::map<std::string, std::string> provider_secrets_;  // provider id -> stored secret name
};

}  // namespace

std::string_view to_string(ImportAction action) {
  switch (action) {
    case ImportAction::kTaken:
      return "taken";
    case ImportAction::kChanged:
      return "changed";
    case ImportAction::kDropped:
      return "dropped";
  }
  return "?";
}

nlohmann::json ImportPlan::report_json() const {
  nlohmann::json lines = nlohmann::json::array();
  for (const ImportLine& l : report) {
    lines.push_back({{"action", to_string(l.action)}, {"what", l.what}, {"why", l.why}});
  }
  std::vector<std::string> skill_names;
  for (const ImportSkill& skill : skills) {
    skill_names.push_back(skill.name);
  }
  return {{"source", source},
          {"report", lines},
          {"secrets", secrets.size()},
          {"files", files.size()},
          {"skills", skill_names}};
}

std::string ImportPlan::report_text() const {
  std::string out;
  for (const ImportAction action :
       {ImportAction::kTaken, ImportAction::kChanged, ImportAction::kDropped}) {
    std::string section;
    for (const ImportLine& l : report) {
      if (l.action == action) {
        section += fmt::format("  {}: {}\n", l.what, l.why);
      }
    }
    if (!section.empty()) {
      out += fmt::format("{}:\n{}", to_string(action), section);
    }
  }
  return out;
}

Result<ImportPlan> plan_openclaw_import(const std::string& dir, const ImportContext& context) {
  auto loaded = CHITIN_TRY(load_openclaw_install(dir));
  if (!loaded.config_error.empty()) {
    return fail(ErrorCode::kInvalidInput,
                "the OpenClaw config cannot be read, so nothing was imported: {}",
                loaded.config_error);
  }
  if (!loaded.install.skipped_includes.empty()) {
    return fail(ErrorCode::kInvalidInput,
                "openclaw.json includes {} from outside its directory, which OpenClaw itself "
                "refuses; fix that first, so the import sees the settings OpenClaw runs with",
                loaded.install.skipped_includes.front());
  }
  ImportPlan plan;
  plan.source = dir;
  Planner(loaded.install, context, plan).run();
  return plan;
}

}  // namespace chitin::doctor
