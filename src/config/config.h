#pragma once
// Chitin's typed configuration (chitin.toml). One immutable Config, validated once when it is
// loaded and passed by const& afterwards (aesthetics.md C20). Defaults live in the member
// initialisers below and are the secure ones; ranges, documentation and the TOML key of every
// field live in schema.cc. No secret is ever stored in a Config: tokens and keys live in their
// own 0600 files in the state directory, and model API keys in the secrets store.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace chitin::config {

inline constexpr std::size_t kMaxConfigBytes = 1 << 20;

struct GatewayConfig {
  std::string bind = "127.0.0.1";
  std::int64_t port = 18790;
  std::string tls_cert;  // PEM path; empty: no TLS (allowed on loopback only)
  std::string tls_key;   // PEM path; both or neither
  // Extra browser origins allowed to use the gateway ("https://host[:port]"); the gateway's
  // own origin is always allowed and nothing else is.
  std::vector<std::string> allowed_origins;
  std::int64_t max_connections = 4096;
  std::int64_t session_ttl_s = 43200;  // web console login lifetime
};

struct LogConfig {
  std::string level = "info";
};

struct AuditConfig {
  std::int64_t flush_interval_ms = 50;
  std::int64_t segment_max_mb = 64;
  std::int64_t checkpoint_every = 1000;
  std::int64_t checkpoint_interval_s = 10;
};

struct SandboxConfig {
  std::int64_t timeout_s = 120;
  std::int64_t memory_mb = 1024;
  std::int64_t tmp_mb = 64;
  std::int64_t pids_max = 256;
};

struct EgressConfig {
  std::vector<std::string> allow;  // host[:port] or *.domain[:port]; empty: deny everything
  bool dangerously_allow_private_addresses = false;
};

struct PrivacyConfig {
  bool dangerously_disable_model_filter = false;
  // User-defined entity types: "TYPE=FILE" dictionaries (one term a line) and
  // "TYPE=REGEX" / "TYPE:VALIDATOR=REGEX" patterns (docs/privacy.md).
  std::vector<std::string> dictionaries;
  std::vector<std::string> patterns;
};

struct DoctorConfig {
  // checkIds of critical findings the gateway may start despite (each use is audited).
  std::vector<std::string> acknowledge;
};

// One model endpoint, `[models.NAME]` (docs/config.md). The agent uses "default" unless told
// otherwise. The API key is never here: `api_key_secret` names a secret in the store.
struct ModelConfig {
  std::string provider;  // "openai" (any OpenAI-compatible server) or "anthropic"
  std::string base_url;  // https://..., or http:// to a loopback address
  std::string model;
  std::string api_key_secret;  // empty: no key (local servers)
  std::int64_t max_tokens = 4096;
  std::int64_t timeout_s = 120;  // no byte from the server for this long ends the call
};

inline constexpr std::size_t kMaxModels = 32;

// The agent's built-in tools, by the names the model sees.
inline constexpr std::string_view kToolNames[] = {
    "exec",      "read",          "write",        "edit",       "list",
    "web_fetch", "memory_search", "memory_write", "skill_read", "skill_exec"};

// The agent's tool policy and budgets, `[agent]` (docs/config.md, docs/agent.md).
struct AgentConfig {
  std::string model = "default";         // which [models.NAME] the agent uses
  std::string workspace;                 // absolute; empty: $CHITIN_HOME/workspace
  std::vector<std::string> tools_allow;  // empty: every built-in tool
  std::vector<std::string> tools_deny;
  // Programs `exec` may run without asking (names looked up on the sandbox's PATH, or
  // absolute paths). Anything else, and every shell string, waits for an approval.
  std::vector<std::string> exec_allow = {"cat", "echo", "grep", "head", "ls",
                                         "pwd", "sort", "tail", "wc"};
  std::int64_t max_tool_calls_per_turn = 16;
  std::int64_t max_turns_per_minute = 20;
  std::int64_t max_tokens_per_day = 2000000;
  std::int64_t approval_timeout_s = 300;  // an approval not given in time is a denial
};

struct Config {
  GatewayConfig gateway;
  LogConfig log;
  AuditConfig audit;
  SandboxConfig sandbox;
  EgressConfig egress;
  PrivacyConfig privacy;
  DoctorConfig doctor;
  std::map<std::string, ModelConfig> models;  // by NAME of [models.NAME]
  AgentConfig agent;
};

// Parses and validates TOML text. `source` names the file in error messages. On failure the
// error's message has one line per problem found, each "source:line:column: key 'a.b': what
// is wrong; how to fix it", at most kMaxReportedProblems of them.
inline constexpr std::size_t kMaxReportedProblems = 20;
Result<Config> parse_config(std::string_view text, std::string_view source);

// Reads (bounded by kMaxConfigBytes) and parses a file.
Result<Config> load_config(const std::string& path);

// The effective config as TOML, every key with its value, in schema order. With
// `with_comments`, each key is preceded by its documentation (used for the file `init` writes).
std::string render_config(const Config& config, bool with_comments);

// A model's base_url: https://host[:port][/path], or http:// to a loopback address (a local
// model server): a key sent over plain HTTP anywhere else would cross the network in clear.
Result<void> check_model_url(std::string_view url);

// A URL fit to print: without user:password@ and without query or fragment (where tokens
// ride), e.g. "https://u:p@h/x?key=1" -> "https://h/x?…".
std::string redact_url(std::string_view url);

// The `dangerously_*` options that are switched on, as "section.key" names. Each must be
// logged when a component starts with this config.
std::vector<std::string> dangerous_settings(const Config& config);

}  // namespace chitin::config
