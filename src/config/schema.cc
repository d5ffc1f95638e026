#include "config/schema.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>

#include <array>

#include "base/parse.h"

namespace chitin::config {

namespace {

constexpr SectionSpec kSections[] = {
    {"gateway",
     "The local control plane. Loopback only unless TLS is configured; a token is "
     "always required (it lives in gateway.token, never here)."},
    {"log",
     "Diagnostic log (stderr). Security events go to the audit log, which cannot be "
     "switched off."},
    {"audit",
     "The tamper-evident audit log in $CHITIN_HOME/audit. There is no key to disable "
     "it."},
    {"sandbox", "Limits for every sandboxed tool run. Every tool runs sandboxed."},
    {"egress", "Outbound network policy for tools: deny by default, allow-listed hosts only."},
    {"privacy", "The anonymizer applied to everything sent to a model."},
    {"agent",
     "The agent's tools and budgets. Tools not listed in exec_allow, shell strings and "
     "network to new hosts wait for an approval."},
    {"doctor",
     "The security doctor, which also runs when the gateway starts: a critical finding stops "
     "the start unless acknowledged here."},
};

// The table of every key. Order is the order of `config show` and of the file `init` writes.
const KeySpec kKeys[] = {
    {.key = "gateway.bind",
     .doc = "IP address to listen on. Anything but loopback (127.0.0.0/8, ::1) requires "
            "gateway.tls_cert and gateway.tls_key.",
     .field = StringRef{[](Config& c) -> std::string& { return c.gateway.bind; }},
     .check = check_ip_literal,
     .max_length = 64},
    {.key = "gateway.port",
     .doc = "TCP port to listen on.",
     .field = IntegerRef{[](Config& c) -> std::int64_t& { return c.gateway.port; }},
     .min = 1,
     .max = 65535},
    {.key = "gateway.tls_cert",
     .doc = "Absolute path of the TLS certificate chain (PEM). Empty: no TLS.",
     .field = StringRef{[](Config& c) -> std::string& { return c.gateway.tls_cert; }},
     .check = check_absolute_path_or_empty},
    {.key = "gateway.tls_key",
     .doc = "Absolute path of the TLS private key (PEM, mode 0600). Empty: no TLS.",
     .field = StringRef{[](Config& c) -> std::string& { return c.gateway.tls_key; }},
     .check = check_absolute_path_or_empty},
    {.key = "gateway.allowed_origins",
     .doc = "Further browser origins (\"https://host[:port]\") allowed to open the console's "
            "WebSocket and make state-changing requests. The gateway's own origin is always "
            "allowed; every other Origin is refused (403) and audited.",
     .field = StringListRef{[](Config& c) -> std::vector<std::string>& {
       return c.gateway.allowed_origins;
     }},
     .check = check_origin,
     .max_length = 255,
     .max_items = 64},
    {.key = "gateway.max_connections",
     .doc = "Most simultaneous connections; more are answered 503 and closed.",
     .field = IntegerRef{[](Config& c) -> std::int64_t& { return c.gateway.max_connections; }},
     .min = 1,
     .max = 100000},
    {.key = "gateway.session_ttl_s",
     .doc = "How long a web console login lasts (seconds) before the token is asked again.",
     .field = IntegerRef{[](Config& c) -> std::int64_t& { return c.gateway.session_ttl_s; }},
     .min = 60,
     .max = 604800},
    {.key = "log.level",
     .doc = "Least severe diagnostic level written to stderr.",
     .field = StringRef{[](Config& c) -> std::string& { return c.log.level; }},
     .choices = "debug|info|warn|error"},
    {.key = "audit.flush_interval_ms",
     .doc = "Longest time an audit record waits for its batched fsync (group commit). "
            "Security-critical events are always fsynced before the action proceeds.",
     .field = IntegerRef{[](Config& c) -> std::int64_t& { return c.audit.flush_interval_ms; }},
     .min = 1,
     .max = 1000},
    {.key = "audit.segment_max_mb",
     .doc = "Size at which the audit log starts a new segment file (MiB).",
     .field = IntegerRef{[](Config& c) -> std::int64_t& { return c.audit.segment_max_mb; }},
     .min = 1,
     .max = 4096},
    {.key = "audit.checkpoint_every",
     .doc = "Records between two signed checkpoints.",
     .field = IntegerRef{[](Config& c) -> std::int64_t& { return c.audit.checkpoint_every; }},
     .min = 1,
     .max = 1000000},
    {.key = "audit.checkpoint_interval_s",
     .doc = "Longest time between two signed checkpoints while records arrive (seconds).",
     .field = IntegerRef{[](Config& c) -> std::int64_t& { return c.audit.checkpoint_interval_s; }},
     .min = 1,
     .max = 3600},
    {.key = "sandbox.timeout_s",
     .doc = "Wall-clock limit of one tool run (seconds).",
     .field = IntegerRef{[](Config& c) -> std::int64_t& { return c.sandbox.timeout_s; }},
     .min = 1,
     .max = 86400},
    {.key = "sandbox.memory_mb",
     .doc = "Memory limit of one tool run (MiB).",
     .field = IntegerRef{[](Config& c) -> std::int64_t& { return c.sandbox.memory_mb; }},
     .min = 16,
     .max = 1048576},
    {.key = "sandbox.tmp_mb",
     .doc = "Size of the private /tmp of one tool run (MiB).",
     .field = IntegerRef{[](Config& c) -> std::int64_t& { return c.sandbox.tmp_mb; }},
     .min = 1,
     .max = 65536},
    {.key = "sandbox.pids_max",
     .doc = "Most processes one tool run may have at once.",
     .field = IntegerRef{[](Config& c) -> std::int64_t& { return c.sandbox.pids_max; }},
     .min = 1,
     .max = 65536},
    {.key = "egress.allow",
     .doc = "Hosts tools may reach through the egress proxy: \"host\", \"host:port\", "
            "\"*.domain\" or \"*.domain:port\". Empty: no network at all.",
     .field = StringListRef{[](Config& c) -> std::vector<std::string>& { return c.egress.allow; }},
     .check = check_host_pattern,
     .max_length = 253 + 6,
     .max_items = 1024},
    {.key = "egress.dangerously_allow_private_addresses",
     .doc = "Let allow-listed names resolve to loopback, private, link-local or metadata "
            "addresses (disables SSRF protection). Logged at every start.",
     .field =
         BoolRef{[](Config& c) -> bool& { return c.egress.dangerously_allow_private_addresses; }}},
    {.key = "privacy.dictionaries",
     .doc = "User dictionaries, each \"TYPE=/absolute/path\" (one term a line): every term "
            "found is replaced by a TYPE placeholder.",
     .field = StringListRef{[](Config& c) -> std::vector<std::string>& {
       return c.privacy.dictionaries;
     }},
     .check = check_type_spec,
     .max_length = 4096,
     .max_items = 50000},
    {.key = "privacy.patterns",
     .doc = "User patterns, each \"TYPE=REGEX\" or \"TYPE:VALIDATOR=REGEX\" (Vectorscan "
            "syntax; validators: `chitin privacy types --validators`).",
     .field =
         StringListRef{[](Config& c) -> std::vector<std::string>& { return c.privacy.patterns; }},
     .check = check_type_spec,
     .max_length = 1100,
     .max_items = 50000},
    {.key = "privacy.dangerously_disable_model_filter",
     .doc = "Send text to models without anonymizing it. Logged at every start.",
     .field =
         BoolRef{[](Config& c) -> bool& { return c.privacy.dangerously_disable_model_filter; }}},
    {.key = "agent.model",
     .doc = "The [models.NAME] the agent thinks with.",
     .field = StringRef{[](Config& c) -> std::string& { return c.agent.model; }},
     .check = check_model_name,
     .max_length = 64},
    {.key = "agent.workspace",
     .doc = "Absolute path of the agent's workspace directory. Empty: $CHITIN_HOME/workspace.",
     .field = StringRef{[](Config& c) -> std::string& { return c.agent.workspace; }},
     .check = check_absolute_path_or_empty},
    {.key = "agent.tools_allow",
     .doc = "Tools the agent may use (exec, read, write, edit, list, web_fetch, "
            "memory_search, memory_write, skill_read, skill_exec). Empty: all of them.",
     .field =
         StringListRef{[](Config& c) -> std::vector<std::string>& { return c.agent.tools_allow; }},
     .check = check_tool_name,
     .max_length = 64,
     .max_items = 64},
    {.key = "agent.tools_deny",
     .doc = "Tools the agent may never use (wins over tools_allow).",
     .field =
         StringListRef{[](Config& c) -> std::vector<std::string>& { return c.agent.tools_deny; }},
     .check = check_tool_name,
     .max_length = 64,
     .max_items = 64},
    {.key = "agent.exec_allow",
     .doc = "Programs exec may run without an approval: names on the sandbox's PATH or "
            "absolute paths. Anything else, and every `sh -c`, waits for an approval.",
     .field =
         StringListRef{[](Config& c) -> std::vector<std::string>& { return c.agent.exec_allow; }},
     .check = check_program_name,
     .max_length = 4096,
     .max_items = 1024},
    {.key = "agent.max_tool_calls_per_turn",
     .doc = "Most tool calls in one turn; the turn stops there.",
     .field =
         IntegerRef{[](Config& c) -> std::int64_t& { return c.agent.max_tool_calls_per_turn; }},
     .min = 1,
     .max = 1000},
    {.key = "agent.max_turns_per_minute",
     .doc = "Most turns per session in any minute; more are refused.",
     .field = IntegerRef{[](Config& c) -> std::int64_t& { return c.agent.max_turns_per_minute; }},
     .min = 1,
     .max = 10000},
    {.key = "agent.max_tokens_per_day",
     .doc = "Most model tokens (input and output) the agent may use per UTC day.",
     .field = IntegerRef{[](Config& c) -> std::int64_t& { return c.agent.max_tokens_per_day; }},
     .min = 1000,
     .max = 1000000000000},
    {.key = "agent.approval_timeout_s",
     .doc = "How long an approval request waits for a decision before it counts as denied.",
     .field = IntegerRef{[](Config& c) -> std::int64_t& { return c.agent.approval_timeout_s; }},
     .min = 1,
     .max = 86400},
    {.key = "doctor.acknowledge",
     .doc = "checkIds of critical doctor findings the gateway may start despite (e.g. "
            "\"process.running_as_root\"); each is audited at every start.",
     .field =
         StringListRef{[](Config& c) -> std::vector<std::string>& { return c.doctor.acknowledge; }},
     .check = check_check_id,
     .max_length = 128,
     .max_items = 256},
};

bool is_label_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

// RFC 1123 host name, lower case: labels of 1..63 [a-z0-9-], not starting or ending in '-'.
Result<void> check_host_name(std::string_view host, std::string_view original) {
  if (host.empty() || host.size() > 253) {
    return fail(ErrorCode::kInvalidInput, "'{}' has an empty or over-long host name", original);
  }
  std::size_t start = 0;
  while (start <= host.size()) {
    const std::size_t dot = std::min(host.find('.', start), host.size());
    const std::string_view label = host.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return fail(ErrorCode::kInvalidInput,
                  "'{}' is not a valid host name (empty, over-long or hyphen-edged label)",
                  original);
    }
    for (char c : label) {
      if (!is_label_char(c)) {
        return fail(ErrorCode::kInvalidInput,
                    "'{}' contains '{}'; host names use lower-case letters, digits, '-' and '.'",
                    original, c);
      }
    }
    start = dot + 1;
  }
  return {};
}

}  // namespace

Result<void> check_model_name(std::string_view value) {
  if (value.empty() || value.size() > 64 ||
      value.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string_view::npos) {
    return fail(ErrorCode::kInvalidInput,
                "'{}' is not a model name: 1-64 of a-z, 0-9, '_' and '-' (a [models.NAME])", value);
  }
  return {};
}

Result<void> check_tool_name(std::string_view value) {
  for (std::string_view tool : kToolNames) {
    if (value == tool) {
      return {};
    }
  }
  return fail(ErrorCode::kInvalidInput,
              "'{}' is not a tool; the tools are exec, read, write, edit, list, web_fetch, "
              "memory_search, memory_write, skill_read and skill_exec",
              value);
}

Result<void> check_program_name(std::string_view value) {
  if (value.empty() || value.find('\0') != std::string_view::npos ||
      (value.find('/') != std::string_view::npos && !value.starts_with('/'))) {
    return fail(ErrorCode::kInvalidInput,
                "'{}' is not a program: give a name looked up on PATH (\"ls\") or an absolute "
                "path (\"/usr/bin/ls\")",
                value);
  }
  return {};
}

std::span<const KeySpec> key_specs() { return kKeys; }
std::span<const SectionSpec> section_specs() { return kSections; }

const KeySpec* find_key(std::string_view key) {
  for (const KeySpec& spec : kKeys) {
    if (spec.key == key) {
      return &spec;
    }
  }
  return nullptr;
}

std::string describe_type(const KeySpec& spec) {
  return std::visit(
      [&](auto ref) -> std::string {
        using T = decltype(ref);
        if constexpr (std::is_same_v<T, BoolRef>) {
          return "boolean";
        } else if constexpr (std::is_same_v<T, IntegerRef>) {
          return fmt::format("integer {}..{}", spec.min, spec.max);
        } else if constexpr (std::is_same_v<T, StringRef>) {
          if (!spec.choices.empty()) {
            return fmt::format("one of {}", spec.choices);
          }
          return "string";
        } else {
          return fmt::format("array of at most {} strings", spec.max_items);
        }
      },
      spec.field);
}

bool is_loopback_literal(std::string_view ip) {
  const std::string text(ip);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

Result<void> check_ip_literal(std::string_view value) {
  const std::string text(value);
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1 || inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    return {};
  }
  return fail(ErrorCode::kInvalidInput,
              "'{}' is not an IP address; use a literal such as 127.0.0.1 or ::1 (a name could "
              "resolve somewhere public)",
              value);
}

Result<void> check_absolute_path_or_empty(std::string_view value) {
  if (value.empty() || value.front() == '/') {
    if (value.find('\0') == std::string_view::npos) {
      return {};
    }
  }
  return fail(ErrorCode::kInvalidInput, "'{}' is not an absolute path; write it from /", value);
}

Result<void> check_origin(std::string_view value) {
  std::string_view rest = value;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return fail(ErrorCode::kInvalidInput,
                "'{}' is not an origin: write \"https://host\" or \"https://host:port\"", value);
  }
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos ||
      rest.find('*') != std::string_view::npos) {
    return fail(ErrorCode::kInvalidInput,
                "'{}' is not an origin: only scheme://host[:port], no path, wildcard or user",
                value);
  }
  return check_host_pattern(rest);
}

// A doctor checkId: dotted lower-case words ("fs.config.perms_world_writable").
Result<void> check_check_id(std::string_view value) {
  if (value.empty() || value.front() == '.' || value.back() == '.' ||
      value.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.") != std::string_view::npos) {
    return fail(ErrorCode::kInvalidInput,
                "'{}' is not a checkId (lower-case words joined by '.', as `chitin doctor` "
                "prints them)",
                value.substr(0, 80));
  }
  return {};
}

// "TYPE=..." or "TYPE:VALIDATOR=...": the privacy module checks the rest when it loads them.
Result<void> check_type_spec(std::string_view value) {
  const std::size_t equals = value.find('=');
  const std::string_view type = value.substr(0, std::min(value.find(':'), equals));
  if (equals == std::string_view::npos || equals + 1 == value.size() || type.empty() ||
      type.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != std::string_view::npos) {
    return fail(ErrorCode::kInvalidInput,
                "'{}' must be TYPE=VALUE with TYPE of A-Z, 0-9 and _ (e.g. \"EMPLOYEE=/etc/"
                "chitin/staff.txt\")",
                value.substr(0, 80));
  }
  return {};
}

Result<void> check_host_pattern(std::string_view value) {
  std::string_view host = value;
  // Optional ":port" suffix (IPv6 literals are written [addr]:port).
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) {
      return fail(ErrorCode::kInvalidInput, "'{}' has '[' without ']'", value);
    }
    const std::string_view rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return fail(ErrorCode::kInvalidInput, "'{}' has text after ']' that is not :port", value);
      }
      port = rest.substr(1);
    }
    host = host.substr(1, close - 1);
    in6_addr v6{};
    if (inet_pton(AF_INET6, std::string(host).c_str(), &v6) != 1) {
      return fail(ErrorCode::kInvalidInput, "'{}' is not a valid IPv6 address", value);
    }
  } else {
    const auto colon = host.find(':');
    if (colon != std::string_view::npos) {
      port = host.substr(colon + 1);
      host = host.substr(0, colon);
      if (port.empty()) {
        return fail(ErrorCode::kInvalidInput, "'{}' ends in ':' without a port", value);
      }
    }
    if (host == "*" || host.empty()) {
      return fail(ErrorCode::kInvalidInput,
                  "'{}' would allow every host; list the hosts tools need (e.g. api.github.com "
                  "or *.githubusercontent.com)",
                  value);
    }
    if (host.starts_with("*.")) {
      host.remove_prefix(2);
    }
    if (host.find('*') != std::string_view::npos) {
      return fail(ErrorCode::kInvalidInput,
                  "'{}': a wildcard is only allowed as a whole leading label, as in *.example.com",
                  value);
    }
    CHITIN_RETURN_IF_ERROR(check_host_name(host, value));
  }
  if (!port.empty() && !parse_integer<int>(port, 1, 65535)) {
    return fail(ErrorCode::kInvalidInput, "'{}' has port '{}'; use 1..65535", value, port);
  }
  return {};
}

}  // namespace chitin::config
