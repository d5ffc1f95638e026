// The gateway of an OpenClaw installation and what stands next to it: bind, TLS and auth,
// the Control UI's origins, proxies, Tailscale, HTTP tool invocation, node commands, hooks,
// mDNS discovery, the browser relay and the explicitly dangerous flags. Conditions follow
// OpenClaw 2026.9.6's own audit (so the findings are a superset of it), with Chitin's stricter
// additions marked as such.

#include <fmt/format.h>

#include <algorithm>

#include "base/ascii.h"
#include "config/config.h"
#include "doctor/findings.h"
#include "doctor/openclaw_checks.h"

namespace chitin::doctor {

namespace {

// Tools OpenClaw refuses on POST /tools/invoke by default.
constexpr std::string_view kHttpDenied[] = {"exec",
                                            "spawn",
                                            "shell",
                                            "fs_write",
                                            "fs_delete",
                                            "fs_move",
                                            "apply_patch",
                                            "terminal",
                                            "portal",
                                            "sessions_spawn",
                                            "sessions_send",
                                            "conversations_list",
                                            "conversations_send",
                                            "conversations_turn",
                                            "automations",
                                            "cron",
                                            "gateway",
                                            "plugins",
                                            "nodes",
                                            "computer",
                                            "mobile_ui",
                                            "openclaw"};

// Node commands that reach cameras, screens, messages and personal data.
constexpr std::string_view kNodeDangerousPrefixes[] = {
    "camera.",    "screen.", "sms.",      "contacts.",  "calendar.",
    "reminders.", "health.", "location.", "system.run", "photos."};

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// The daemon's environment variable, trimmed; empty when unset or blank.
std::string env_credential(const OpenClawInstall& install, const std::string& name) {
  const auto found = install.env.find(name);
  return found == install.env.end() ? std::string() : trimmed(found->second);
}

std::string auth_mode(const OpenClawInstall& install) {
  const std::string mode = string_setting(install.settings, "gateway.auth.mode");
  if (!mode.empty()) {
    return mode;
  }
  return credential_at(install, "gateway.auth.password").configured() ? "password" : "token";
}

// OpenClaw's hasGatewayAuth: the configured credential of the mode (remote.* counts too).
bool has_gateway_auth(const OpenClawInstall& install, const std::string& mode) {
  const auto configured = [&](std::string_view local, std::string_view remote) {
    return credential_at(install, local).configured() ||
           credential_at(install, remote).configured() ||
           !env_credential(install, local == "gateway.auth.token" ? "OPENCLAW_GATEWAY_TOKEN"
                                                                  : "OPENCLAW_GATEWAY_PASSWORD")
                .empty();
  };
  const bool token = configured("gateway.auth.token", "gateway.remote.token");
  const bool password = configured("gateway.auth.password", "gateway.remote.password");
  if (mode == "trusted-proxy") {
    return true;
  }
  if (mode == "token") {
    return token;
  }
  if (mode == "password") {
    return password;
  }
  return false;  // "none" and unknown modes
}

// The credential requests are checked against (for http.no_auth and the length checks).
Credential gateway_secret(const OpenClawInstall& install, const std::string& mode) {
  const std::string_view local =
      mode == "password" ? "gateway.auth.password" : "gateway.auth.token";
  const std::string_view remote =
      mode == "password" ? "gateway.remote.password" : "gateway.remote.token";
  Credential credential = credential_at(install, local);
  if (credential.form == CredentialForm::kAbsent) {
    const std::string from_env = env_credential(
        install, mode == "password" ? "OPENCLAW_GATEWAY_PASSWORD" : "OPENCLAW_GATEWAY_TOKEN");
    if (!from_env.empty()) {
      credential.form = CredentialForm::kEnvResolved;
      credential.value = from_env;
    } else {
      credential = credential_at(install, remote);
    }
  }
  if (credential.form == CredentialForm::kSecretRef && !credential.value.empty()) {
    credential.form = CredentialForm::kEnvResolved;  // an env SecretRef the .env resolves
  }
  return credential;
}

void check_auth(std::vector<Finding>& out, const OpenClawInstall& install) {
  const nlohmann::json& s = install.settings;
  const bool loopback = loopback_bind(s);
  const bool exposed = remotely_exposed(s);
  const std::string bind = string_setting(s, "gateway.bind", "loopback");
  const std::string mode = auth_mode(install);
  const bool authenticated = has_gateway_auth(install, mode);
  const bool control_ui = bool_setting(s, "gateway.controlUi.enabled", true);
  const std::string tailscale = string_setting(s, "gateway.tailscale.mode", "off");
  const bool tailscale_auth =
      bool_setting(s, "gateway.auth.allowTailscale",
                   tailscale == "serve" && mode != "password" && mode != "trusted-proxy") &&
      tailscale == "serve";
  if (!loopback && !authenticated) {
    out.push_back(finding(
        "gateway.bind_no_auth", Severity::kCritical, kMiitExposure,
        "the gateway binds beyond loopback without auth",
        fmt::format("gateway.bind=\"{}\", gateway.auth.mode=\"{}\" with no credential configured",
                    bind, mode),
        "bind loopback and reach it over SSH or a VPN, or set a long random token; "
        "chitin import-openclaw always produces loopback + token"));
  }
  if (loopback && control_ui && !authenticated && !tailscale_auth) {
    out.push_back(
        finding("gateway.loopback_no_auth", Severity::kCritical, kMiitExposure,
                "the gateway has no working auth: any local process or reverse proxy reaches it",
                fmt::format("gateway.auth.mode=\"{}\" with no credential configured", mode),
                "set a long random gateway.auth.token; a reverse proxy on the same host makes "
                "loopback remote"));
  }
  const Credential secret = gateway_secret(install, mode);
  if (mode == "none" || (mode != "trusted-proxy" && !secret.usable())) {
    out.push_back(finding("gateway.http.no_auth", exposed ? Severity::kCritical : Severity::kWarn,
                          kMiitExposure,
                          "HTTP APIs (/tools/invoke, /v1/*) answer without a shared secret",
                          fmt::format("gateway.auth.mode=\"{}\" and no usable {}", mode,
                                      mode == "password" ? "password" : "token"),
                          "use token auth with a token the gateway can read"));
  }
  if (mode == "token" || mode == "password") {
    const nlohmann::json* raw =
        find_setting(s, mode == "password" ? "gateway.auth.password" : "gateway.auth.token");
    const std::string text = secret.usable() ? secret.value : std::string();
    const bool placeholder =
        (secret.usable() && (text == "undefined" || text == "null")) ||
        (raw != nullptr && raw->is_string() && secret.form == CredentialForm::kAbsent);
    if (placeholder) {
      out.push_back(finding(fmt::format("gateway.{}_placeholder_value", mode), Severity::kCritical,
                            kMiitExposure, fmt::format("the gateway {} is a placeholder", mode),
                            fmt::format("gateway.auth.{} is \"{}\"", mode, text),
                            "set a long random value"));
    } else if (secret.usable() && text.size() < 24) {
      out.push_back(finding(fmt::format("gateway.{}_too_short", mode), Severity::kWarn,
                            kMiitExposure,
                            fmt::format("the gateway {} is short enough to guess", mode),
                            fmt::format("{} characters", text.size()),
                            "use at least 32 random characters (openssl rand -hex 32)"));
    }
  }
  if (!loopback && mode != "trusted-proxy" &&
      find_setting(s, "gateway.auth.rateLimit") == nullptr) {
    out.push_back(finding("gateway.auth_no_rate_limit", Severity::kWarn, kMiitExposure,
                          "failed logins are not rate-limited on a reachable gateway",
                          "gateway.auth.rateLimit is not set",
                          "set gateway.auth.rateLimit {maxAttempts: 10, windowMs: 60000, "
                          "lockoutMs: 300000}"));
  }
  // Chitin's own: a reachable gateway without TLS sends its token in clear.
  if (!loopback && !bool_setting(s, "gateway.tls.enabled", false)) {
    out.push_back(finding(
        "gateway.bind_no_tls", Severity::kCritical, kMiitExposure,
        "the gateway is reachable from other machines over plaintext HTTP/WebSocket",
        fmt::format("gateway.bind=\"{}\" and gateway.tls.enabled is not true", bind),
        "bind loopback (recommended) or enable TLS; tokens cross the network in clear otherwise"));
  }
  if (loopback && control_ui && strings_setting(s, "gateway.trustedProxies").empty()) {
    out.push_back(finding(
        "gateway.trusted_proxies_missing", Severity::kWarn, kMiitExposure,
        "no trusted proxies are configured",
        "gateway.trustedProxies is empty: behind a reverse proxy, every client would look local",
        "if a reverse proxy fronts the gateway, list it in gateway.trustedProxies; otherwise "
        "disable the Control UI you do not use"));
  }
}

void check_trusted_proxy(std::vector<Finding>& out, const OpenClawInstall& install) {
  const nlohmann::json& s = install.settings;
  if (auth_mode(install) != "trusted-proxy") {
    return;
  }
  out.push_back(finding("gateway.trusted_proxy_auth", Severity::kCritical, kMiitExposure,
                        "a reverse proxy's identity header is the only authentication",
                        "gateway.auth.mode=\"trusted-proxy\"",
                        "make sure only the proxy can reach the gateway, or use token auth"));
  if (strings_setting(s, "gateway.trustedProxies").empty()) {
    out.push_back(finding("gateway.trusted_proxy_no_proxies", Severity::kCritical, kMiitExposure,
                          "trusted-proxy auth without trusted proxies",
                          "gateway.trustedProxies is empty", "list the proxy's address"));
  }
  if (string_setting(s, "gateway.auth.trustedProxy.userHeader").empty()) {
    out.push_back(finding("gateway.trusted_proxy_no_user_header", Severity::kCritical,
                          kMiitExposure, "trusted-proxy auth without a user header",
                          "gateway.auth.trustedProxy.userHeader is not set",
                          "name the header the proxy sets after authenticating"));
  }
  if (strings_setting(s, "gateway.auth.trustedProxy.allowUsers").empty()) {
    out.push_back(finding("gateway.trusted_proxy_no_allowlist", Severity::kWarn, kMiitExposure,
                          "every user the proxy authenticates is let in",
                          "gateway.auth.trustedProxy.allowUsers is empty",
                          "list the users who may reach the agent"));
  }
  if (bool_setting(s, "gateway.auth.trustedProxy.allowLoopback", false)) {
    out.push_back(finding("gateway.trusted_proxy_allow_loopback", Severity::kWarn, kMiitExposure,
                          "loopback clients may act as the trusted proxy",
                          "gateway.auth.trustedProxy.allowLoopback=true",
                          "any local process can then claim any identity"));
  }
  if (bool_setting(s, "gateway.auth.trustedProxy.deviceAutoApprove.enabled", false)) {
    const auto scopes = strings_setting(s, "gateway.auth.trustedProxy.deviceAutoApprove.scopes");
    const bool admin = std::any_of(scopes.begin(), scopes.end(), [](const std::string& scope) {
      return scope.find("operator.admin") != std::string::npos;
    });
    out.push_back(finding("gateway.trusted_proxy_device_auto_approve", Severity::kWarn,
                          kMiitExposure, "devices behind the proxy are paired without approval",
                          "gateway.auth.trustedProxy.deviceAutoApprove.enabled=true",
                          "approve device pairings by hand"));
    if (admin) {
      out.push_back(finding("gateway.trusted_proxy_device_auto_approve_admin", Severity::kCritical,
                            kMiitExposure, "auto-approved devices get operator.admin",
                            "deviceAutoApprove.scopes includes operator.admin",
                            "never auto-approve admin scopes"));
    }
  }
}

bool strictly_loopback(std::string_view address) {
  return address == "127.0.0.1" || address == "::1" || address == "127.0.0.1/32" ||
         address == "::1/128";
}

void check_control_ui(std::vector<Finding>& out, const OpenClawInstall& install) {
  const nlohmann::json& s = install.settings;
  const bool loopback = loopback_bind(s);
  const Severity weight = loopback ? Severity::kWarn : Severity::kCritical;
  const bool ui = bool_setting(s, "gateway.controlUi.enabled", true);
  const bool host_fallback =
      bool_setting(s, "gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback", false);
  std::vector<std::string> origins;
  for (const std::string& origin : strings_setting(s, "gateway.controlUi.allowedOrigins")) {
    if (!trimmed(origin).empty()) {
      origins.push_back(trimmed(origin));
    }
  }
  if (contains(origins, "*")) {
    out.push_back(finding("gateway.control_ui.allowed_origins_wildcard", weight,
                          kMiitSocialEngineering, "the Control UI accepts any browser origin",
                          "gateway.controlUi.allowedOrigins includes \"*\"",
                          "list the exact origins that may open the Control UI"));
  }
  if (ui && !loopback && origins.empty() && !host_fallback) {
    out.push_back(finding("gateway.control_ui.allowed_origins_required", Severity::kCritical,
                          kMiitSocialEngineering,
                          "a reachable Control UI without an origin allow-list",
                          "gateway.controlUi.allowedOrigins is empty",
                          "list the exact origins that may open the Control UI"));
  }
  if (host_fallback) {
    out.push_back(finding("gateway.control_ui.host_header_origin_fallback", weight,
                          kMiitSocialEngineering,
                          "the Host header stands in for a missing origin (DNS rebinding)",
                          "gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback=true",
                          "remove the flag and list allowed origins"));
  }
  if (bool_setting(s, "gateway.allowRealIpFallback", false)) {
    const auto proxies = strings_setting(s, "gateway.trustedProxies");
    const bool remote_proxy = auth_mode(install) == "trusted-proxy" &&
                              std::any_of(proxies.begin(), proxies.end(), [](const std::string& p) {
                                return !strictly_loopback(p);
                              });
    out.push_back(finding("gateway.real_ip_fallback_enabled",
                          !loopback || remote_proxy ? Severity::kCritical : Severity::kWarn,
                          kMiitExposure, "X-Real-IP is believed, so clients can claim any address",
                          "gateway.allowRealIpFallback=true", "remove the flag"));
  }
}

void check_reach(std::vector<Finding>& out, const nlohmann::json& s) {
  const std::string tailscale = string_setting(s, "gateway.tailscale.mode", "off");
  const bool loopback = loopback_bind(s);
  const bool exposed = remotely_exposed(s);
  if (tailscale == "funnel") {
    out.push_back(finding("gateway.tailscale_funnel", Severity::kCritical, kMiitExposure,
                          "Tailscale Funnel publishes the gateway on the public internet",
                          "gateway.tailscale.mode=\"funnel\"", "use serve (tailnet only) or off"));
  } else if (tailscale == "serve") {
    out.push_back(finding("gateway.tailscale_serve", Severity::kInfo, kMiitExposure,
                          "the gateway is served to the tailnet",
                          "gateway.tailscale.mode=\"serve\"",
                          "make sure every tailnet device is trusted"));
  }
  std::vector<std::string> dangerous;
  for (const std::string& tool : strings_setting(s, "gateway.tools.allow")) {
    const std::string name = ascii_lower(tool);
    if (std::find(std::begin(kHttpDenied), std::end(kHttpDenied), name) != std::end(kHttpDenied)) {
      dangerous.push_back(tool);
    }
  }
  if (!dangerous.empty()) {
    out.push_back(
        finding("gateway.tools_invoke_http.dangerous_allow",
                !loopback || tailscale == "funnel" ? Severity::kCritical : Severity::kWarn,
                kMiitPrivilege, "HTTP /tools/invoke may call dangerous tools",
                fmt::format("gateway.tools.allow re-enables {}", fmt::join(dangerous, ", ")),
                "remove them from gateway.tools.allow"));
  }
  const auto deny = strings_setting(s, "gateway.nodes.commands.deny");
  std::vector<std::string> commands;
  for (const std::string& command : strings_setting(s, "gateway.nodes.commands.allow")) {
    const bool risky =
        command == "*" ||
        std::any_of(std::begin(kNodeDangerousPrefixes), std::end(kNodeDangerousPrefixes),
                    [&](std::string_view p) { return command.starts_with(p); });
    if (risky && !contains(deny, command)) {
      commands.push_back(command);
    }
  }
  if (!commands.empty()) {
    out.push_back(finding(
        "gateway.nodes.allow_commands_dangerous", exposed ? Severity::kCritical : Severity::kWarn,
        kMiitPrivilege, "paired nodes may run sensitive device commands",
        fmt::format("gateway.nodes.commands.allow: {}", fmt::join(commands, ", ")),
        "allow only the commands the agent needs"));
  }
  std::vector<std::string> patterns;
  for (const std::string& command : deny) {
    const bool pattern = command.find_first_of("?*[]{}(),| \t") != std::string::npos ||
                         command.find("group:") != std::string::npos || command.starts_with("/") ||
                         command.starts_with("^") || command.ends_with("/") ||
                         command.ends_with("$");
    if (pattern) {
      patterns.push_back(command);
    }
  }
  if (!patterns.empty()) {
    out.push_back(finding("gateway.nodes.deny_commands_ineffective", Severity::kWarn,
                          kMiitPrivilege, "node deny entries look like patterns, which never match",
                          fmt::format("gateway.nodes.commands.deny: {}", fmt::join(patterns, ", ")),
                          "list exact command ids; patterns and shell text are not matched"));
  }
  if (bool_setting(s, "gateway.http.endpoints.chatCompletions.enabled", false) ||
      bool_setting(s, "gateway.http.endpoints.responses.enabled", false)) {
    out.push_back(finding("gateway.http.session_key_override_enabled", Severity::kInfo,
                          kMiitExposure, "OpenAI-compatible HTTP endpoints are on",
                          "callers of /v1/chat/completions or /v1/responses may pick sessions",
                          "leave them off unless every HTTP caller is trusted"));
  }
  if (string_setting(s, "discovery.mdns.mode", "minimal") == "full") {
    out.push_back(finding("discovery.mdns_full_mode",
                          loopback ? Severity::kWarn : Severity::kCritical, kMiitExposure,
                          "mDNS full mode publishes host details on the LAN",
                          "discovery.mdns.mode=\"full\" (cliPath, sshPort in TXT records)",
                          "use discovery.mdns.mode=\"minimal\" or \"off\""));
  }
  if (bool_setting(s, "mcp.apps.enabled", false)) {
    out.push_back(finding("mcp.apps.enabled", Severity::kWarn, kMiitPrivilege,
                          "MCP apps may render interactive content", "mcp.apps.enabled=true",
                          "turn it off unless you use it"));
  }
}

void check_hooks(std::vector<Finding>& out, const OpenClawInstall& install) {
  const nlohmann::json& s = install.settings;
  if (!bool_setting(s, "hooks.enabled", false)) {
    return;
  }
  const Severity weight = remotely_exposed(s) ? Severity::kCritical : Severity::kWarn;
  const Credential token = credential_at(install, "hooks.token");
  if (token.form != CredentialForm::kAbsent && token.form != CredentialForm::kSecretRef &&
      token.value.size() < 32) {
    out.push_back(finding("hooks.token_too_short", Severity::kWarn, kMiitExposure,
                          "the hooks token is short enough to guess",
                          fmt::format("{} characters", token.value.size()),
                          "use at least 32 random characters"));
  }
  const std::string mode = auth_mode(install);
  const Credential gateway = gateway_secret(install, mode == "token" ? "token" : "password");
  if (token.usable() && gateway.usable() && token.value == gateway.value) {
    out.push_back(finding("hooks.token_reuse_gateway_token", Severity::kCritical, kMiitExposure,
                          "the hooks token is the gateway's credential: a webhook sender holds "
                          "the keys to the gateway",
                          fmt::format("hooks.token equals the gateway {}", mode),
                          "give hooks their own token (openclaw doctor --fix rotates it)"));
  }
  if (trimmed(string_setting(s, "hooks.path", "/hooks")) == "/") {
    out.push_back(finding("hooks.path_root", Severity::kCritical, kMiitExposure,
                          "hooks are mounted at / and shadow every other endpoint",
                          "hooks.path=\"/\"", "use the default /hooks"));
  }
  if (trimmed(string_setting(s, "hooks.defaultSessionKey")).empty()) {
    out.push_back(finding("hooks.default_session_key_unset", Severity::kWarn, kMiitPrivilege,
                          "hook runs without a session key get a fresh key per request",
                          "hooks.defaultSessionKey is not set",
                          "set hooks.defaultSessionKey to keep hook traffic in a known session"));
  }
  const auto* agents = find_setting(s, "hooks.allowedAgentIds");
  if (agents == nullptr || !agents->is_array() ||
      contains(strings_setting(s, "hooks.allowedAgentIds"), "*")) {
    out.push_back(finding("hooks.allowed_agent_ids_unrestricted", weight, kMiitPrivilege,
                          "hook callers may route to any agent",
                          "hooks.allowedAgentIds is unset or contains \"*\"",
                          "list the agents hooks may reach"));
  }
  if (bool_setting(s, "hooks.allowRequestSessionKey", false)) {
    out.push_back(finding("hooks.request_session_key_enabled", weight, kMiitPrivilege,
                          "hook callers may pick the session key",
                          "hooks.allowRequestSessionKey=true",
                          "leave it off, or restrict prefixes"));
    const auto prefixes = strings_setting(s, "hooks.allowedSessionKeyPrefixes");
    if (std::all_of(prefixes.begin(), prefixes.end(),
                    [](const std::string& p) { return trimmed(p).empty(); })) {
      out.push_back(finding("hooks.request_session_key_prefixes_missing", weight, kMiitPrivilege,
                            "caller-chosen session keys are not restricted",
                            "hooks.allowedSessionKeyPrefixes is empty",
                            "set allowedSessionKeyPrefixes (for example [\"hook:\"])"));
    }
  }
}

void check_browser(std::vector<Finding>& out, const nlohmann::json& s) {
  if (bool_setting(s, "browser.extensionRelay.allowLegacyAuth", false)) {
    out.push_back(finding("browser.extension_relay_legacy_auth", Severity::kWarn,
                          kMiitSocialEngineering,
                          "the browser relay accepts its legacy bearer auth",
                          "browser.extensionRelay.allowLegacyAuth=true",
                          "set it to false once the extension is updated"));
  }
  const auto* profiles = find_setting(s, "browser.profiles");
  if (profiles == nullptr || !profiles->is_object()) {
    return;
  }
  for (const auto& [name, profile] : profiles->items()) {
    const std::string cdp = string_setting(profile, "cdpUrl");
    const bool plain = cdp.starts_with("http://") || cdp.starts_with("ws://");
    const bool local = cdp.find("://127.") != std::string::npos ||
                       cdp.find("://localhost") != std::string::npos ||
                       cdp.find("://[::1]") != std::string::npos;
    if (plain && !local) {
      out.push_back(finding("browser.remote_cdp_http", Severity::kWarn, kMiitSocialEngineering,
                            fmt::format("browser profile {} drives a remote browser over "
                                        "plaintext CDP",
                                        name),
                            fmt::format("cdpUrl {}", config::redact_url(cdp)),
                            "use https/wss or a tunnel"));
    }
  }
}

// Every `dangerously*` switch that is on, wherever it sits.
void dangerous_keys(const nlohmann::json& node, const std::string& path,
                    std::vector<std::string>& flags) {
  if (!node.is_object()) {
    return;
  }
  for (const auto& [key, value] : node.items()) {
    const std::string child = path.empty() ? key : path + "." + key;
    if (key.starts_with("dangerously") && value.is_boolean() && value.get<bool>()) {
      flags.push_back(child + "=true");
    }
    dangerous_keys(value, child, flags);
  }
}

void check_dangerous_flags(std::vector<Finding>& out, const nlohmann::json& s) {
  std::vector<std::string> flags;
  dangerous_keys(s, "", flags);
  if (bool_setting(s, "hooks.gmail.allowUnsafeExternalContent", false)) {
    flags.push_back("hooks.gmail.allowUnsafeExternalContent=true");
  }
  if (const auto* mappings = find_setting(s, "hooks.mappings"); mappings && mappings->is_array()) {
    for (std::size_t i = 0; i < mappings->size(); ++i) {
      if (bool_setting((*mappings)[i], "allowUnsafeExternalContent", false)) {
        flags.push_back(fmt::format("hooks.mappings[{}].allowUnsafeExternalContent=true", i));
      }
    }
  }
  if (bool_setting(s, "hooks.allowRequestSessionKey", false)) {
    flags.push_back("hooks.allowRequestSessionKey=true");
  }
  for (const std::string_view key :
       {"tools.exec.applyPatch.workspaceOnly", "tools.fs.workspaceOnly"}) {
    if (const auto* value = find_setting(s, key);
        value != nullptr && value->is_boolean() && !value->get<bool>()) {
      flags.push_back(fmt::format("{}=false", key));
    }
  }
  if (string_setting(s, "plugins.entries.acpx.config.permissionMode") == "approve-all") {
    flags.push_back("plugins.entries.acpx.config.permissionMode=approve-all");
  }
  for (const std::string& flag : flags) {
    out.push_back(finding("config.insecure_or_dangerous_flags", Severity::kWarn, kMiitPrivilege,
                          flag, "set in openclaw.json",
                          "remove it unless you accept what it weakens; Chitin's importer drops "
                          "such flags"));
  }
}

}  // namespace

void check_openclaw_gateway(std::vector<Finding>& out, const OpenClawInstall& install) {
  check_auth(out, install);
  check_trusted_proxy(out, install);
  check_control_ui(out, install);
  check_reach(out, install.settings);
  check_hooks(out, install);
  check_browser(out, install.settings);
  check_dangerous_flags(out, install.settings);
}

}  // namespace chitin::doctor
