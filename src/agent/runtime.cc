#include "agent/runtime.h"

#include <fmt/format.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "base/version.h"
#include "privacy/user_types.h"

namespace chitin::agent {

namespace {

std::string real(const std::string& path) {
  char resolved[PATH_MAX];
  return ::realpath(path.c_str(), resolved) != nullptr ? std::string(resolved) : path;
}

bool within(const std::string& inner, const std::string& outer) {
  return inner == outer || outer == "/" || inner.starts_with(outer + "/");
}

// The workspace is what the agent's tools (and every sandboxed exec) can see: it must not
// hold the state directory (keys, the secrets store, the audit log), and inside the state
// directory only workspace/ is the agent's.
Result<void> keep_state_out(const config::StatePaths& paths, const std::string& workspace) {
  const std::string home = real(paths.home);
  const std::string dir = real(workspace);
  if (within(home, dir)) {
    return fail(ErrorCode::kPermission,
                "the agent workspace {} contains the state directory {} (its keys and secrets "
                "would be in reach of the agent); set agent.workspace to a directory outside it",
                workspace, paths.home);
  }
  if (within(dir, home) && !within(dir, real(paths.workspace_dir()))) {
    return fail(ErrorCode::kPermission,
                "the agent workspace {} is inside the state directory {}; only {} is the "
                "agent's there (set agent.workspace elsewhere, or leave it empty)",
                workspace, paths.home, paths.workspace_dir());
  }
  return {};
}

Result<void> make_workspace(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return errno_fail(fmt::format("create the agent workspace {}", path));
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return fail(ErrorCode::kInvalidInput,
                "the agent workspace {} is not a directory (agent.workspace)", path);
  }
  return {};
}

}  // namespace

std::string workspace_path(const config::StatePaths& paths, const config::Config& config) {
  return config.agent.workspace.empty() ? paths.workspace_dir() : config.agent.workspace;
}

Result<providers::Endpoint> model_endpoint(const config::Config& config, std::string_view name,
                                           const secrets::Store* store) {
  const auto found = config.models.find(std::string(name));
  if (found == config.models.end()) {
    return fail(ErrorCode::kNotFound,
                "no model is configured as [models.{}]: add one to chitin.toml, e.g.\n"
                "[models.{}]\nprovider = \"openai\"\nbase_url = \"https://api.deepseek.com/v1\"\n"
                "model = \"deepseek-chat\"\napi_key_secret = \"deepseek\"\n"
                "and store the key with `chitin secrets set deepseek --hosts api.deepseek.com` "
                "(docs/config.md)",
                name, name);
  }
  const config::ModelConfig& model = found->second;
  providers::Endpoint endpoint;
  endpoint.api =
      model.provider == "anthropic" ? providers::Api::kAnthropic : providers::Api::kOpenAi;
  endpoint.base_url = model.base_url;
  endpoint.model = model.model;
  endpoint.max_tokens = model.max_tokens;
  endpoint.idle_timeout = std::chrono::seconds(model.timeout_s);
  endpoint.user_agent = "Chitin/" + std::string(kVersion);
  if (!model.api_key_secret.empty()) {
    const secrets::Secret* secret = store != nullptr ? store->find(model.api_key_secret) : nullptr;
    if (secret == nullptr) {
      return fail(ErrorCode::kNotFound,
                  "[models.{}] names the secret '{}', which is not in the secrets store; add it "
                  "with `chitin secrets set {} --hosts HOST`",
                  name, model.api_key_secret, model.api_key_secret);
    }
    endpoint.api_key = secret->value;
  }
  return endpoint;
}

Result<std::unique_ptr<AgentRuntime>> open_runtime(const config::StatePaths& paths,
                                                   const config::Config& config,
                                                   const RuntimeOptions& options) {
  auto runtime = std::make_unique<AgentRuntime>();
  AgentServices services;
  services.config = config;
  services.paths = paths;
  services.workspace = workspace_path(paths, config);
  CHITIN_RETURN_IF_ERROR(keep_state_out(paths, services.workspace));
  CHITIN_RETURN_IF_ERROR(make_workspace(services.workspace));
  CHITIN_RETURN_IF_ERROR(keep_state_out(paths, services.workspace));  // as it is on disk now
  services.endpoint = CHITIN_TRY(model_endpoint(config, config.agent.model, options.store));
  services.audit = options.audit;
  if (services.audit == nullptr) {
    runtime->own_audit = CHITIN_TRY(audit::open_installation_log(paths, config));
    services.audit = runtime->own_audit.get();
  }
  runtime->sessions = CHITIN_TRY(store::SessionStore::open(paths));
  runtime->approvals = CHITIN_TRY(store::ApprovalStore::open(paths));
  runtime->memory = CHITIN_TRY(store::MemoryStore::open_path(store::state_database(paths)));
  services.sessions = runtime->sessions.get();
  services.approvals = runtime->approvals.get();
  services.memory = runtime->memory.get();
  if (!config.privacy.dangerously_disable_model_filter) {
    privacy::DetectorOptions detector_options = CHITIN_TRY(
        privacy::user_type_options(config.privacy.dictionaries, config.privacy.patterns));
    detector_options.cache_dir =
        options.privacy_cache_dir.empty() ? paths.home + "/cache" : options.privacy_cache_dir;
    runtime->detector = CHITIN_TRY(privacy::Detector::create(std::move(detector_options)));
    services.detector = runtime->detector.get();
  }
  if (options.store != nullptr && !options.store->secrets().empty()) {
    std::vector<secrets::NamedValue> values;
    for (const secrets::Secret& secret : options.store->secrets()) {
      values.push_back(secrets::NamedValue{secret.name, secret.value});
    }
    services.stored_secrets = std::make_shared<const secrets::LeakScanner>(values);
  }
  services.store = options.store;
  services.vault_key = CHITIN_TRY(privacy::load_or_create_vault_key(paths.keys_dir()));
  services.sandbox_helper = options.sandbox_helper;
  runtime->agent = std::make_unique<Agent>(std::move(services));
  return runtime;
}

}  // namespace chitin::agent
