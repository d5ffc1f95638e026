#pragma once
// The checks behind `chitin doctor --openclaw` (internal to the doctor module), grouped by
// what they read: files and permissions, the gateway and its neighbours, tools and inbound
// exposure, skills. Each appends findings; none changes anything.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "doctor/doctor.h"

namespace chitin::privacy {
class Detector;
}

namespace chitin::doctor {

struct OpenClawInstall {
  std::string dir;          // the state directory (~/.openclaw)
  std::string config_path;  // dir/openclaw.json
  bool config_present = false;
  nlohmann::json settings = nlohmann::json::object();  // merged; {} when absent or unreadable
  std::vector<std::string> includes;
  std::vector<std::string> skipped_includes;  // outside the config's directory: not loaded
  // The daemon's environment as far as the files say: dir/.env, then the config's `env`
  // block. The auditing process's own environment is not the gateway's and is not used.
  std::map<std::string, std::string> env;
};

// Reads the installation in `dir`: its config (includes resolved) and the daemon's env. A
// config that does not load leaves `settings` empty and says why in `config_error`; only a
// `dir` that is not a directory is an error.
struct LoadedInstall {
  OpenClawInstall install;
  std::string config_error;
};
Result<LoadedInstall> load_openclaw_install(const std::string& dir);

// How a credential setting is given. OpenClaw substitutes ${VAR} before it audits, never
// substitutes the $VAR shorthand, and counts SecretRef objects as configured.
enum class CredentialForm {
  kAbsent,         // missing, or an empty string
  kLiteral,        // plaintext in the config
  kEnvResolved,    // ${VAR} with VAR known: `value` is what OpenClaw would see
  kEnvUnresolved,  // ${VAR} with VAR unknown: not a credential at all
  kShorthand,      // $VAR: never substituted, so not a credential, yet stored in the config
  kSecretRef,      // {source, provider, id}
};
struct Credential {
  CredentialForm form = CredentialForm::kAbsent;
  std::string value;  // literal or substituted text (raw text when unresolved)
  // Counts as configured auth (OpenClaw's "configured": literal, substituted or SecretRef).
  [[nodiscard]] bool configured() const {
    return form == CredentialForm::kLiteral || form == CredentialForm::kEnvResolved ||
           form == CredentialForm::kSecretRef;
  }
  // A value OpenClaw can actually compare requests against.
  [[nodiscard]] bool usable() const {
    return form == CredentialForm::kLiteral || form == CredentialForm::kEnvResolved;
  }
};
Credential credential_at(const OpenClawInstall& install, std::string_view dotted);

// Reading settings by dotted path ("gateway.auth.mode"): nullptr / the fallback when a step is
// missing or of another type, so that a hostile config can neither throw nor mislead.
const nlohmann::json* find_setting(const nlohmann::json& root, std::string_view dotted);
std::string string_setting(const nlohmann::json& root, std::string_view dotted,
                           std::string_view fallback = {});
bool bool_setting(const nlohmann::json& root, std::string_view dotted, bool fallback);
// KEY=VALUE lines of a .env file (blank lines and # comments skipped, an `export ` prefix and
// matching quotes removed, whitespace trimmed), in file order.
std::vector<std::pair<std::string, std::string>> parse_dotenv(std::string_view text);
// JSON from OpenClaw's files or database, refused (null) when over 8 MiB, nested deeper than
// 64 levels (copies and destruction recurse) or malformed.
nlohmann::json parse_bounded_json(std::string_view text);
// Without leading and trailing whitespace.
std::string trimmed(std::string_view text);
// A SecretRef ({source, provider, id}) or an ${ENV} reference: configured, not plaintext.
bool is_secret_reference(const nlohmann::json& value);

// The settings' strings in a list at `dotted` (non-strings skipped).
std::vector<std::string> strings_setting(const nlohmann::json& root, std::string_view dotted);

// Every agent entry, in either form OpenClaw accepts: agents.entries.<id> and the older
// agents.list[] ({id, ...}); non-objects are skipped. `label` is where it was found.
struct AgentEntry {
  std::string id;
  std::string label;  // "agents.entries.helper", "agents.list[0]"
  const nlohmann::json* settings = nullptr;
};
std::vector<AgentEntry> agent_entries(const nlohmann::json& settings);

// OpenClaw's "loopback": exactly gateway.bind == "loopback" (the default); "custom" with a
// loopback host counts as exposed, as in OpenClaw. `remotely_exposed` adds Tailscale.
bool loopback_bind(const nlohmann::json& settings);
bool remotely_exposed(const nlohmann::json& settings);

// A key whose value is a credential by its name ("apiKey", "botToken", "OPENAI_API_KEY"),
// but not one that names where a credential is ("tokenFile", "apiKeyEnv").
bool secret_name(std::string_view key);
// Dotted paths of every setting holding a credential in plaintext (not a SecretRef or ${ENV}).
void find_plaintext_settings(const nlohmann::json& node, const std::string& path,
                             std::vector<std::string>& found);
// Names of .env variables that hold a credential in plaintext.
std::vector<std::string> plaintext_env_names(std::string_view text);

// The skill folders OpenClaw would load from this installation: (name, dir), packs unfolded.
// A symlinked folder that stays inside its root is listed at its real path; one that leaves
// it (or dangles) goes to `escapes` and is not listed.
struct SkillDirs {
  std::vector<std::pair<std::string, std::string>> skills;
  std::vector<std::pair<std::string, std::string>> escapes;  // (link, target or "")
};
SkillDirs openclaw_skill_dirs(const OpenClawInstall& install);
// The workspace of the default agent.
std::string openclaw_workspace(const OpenClawInstall& install);

void check_openclaw_files(std::vector<Finding>& out, const OpenClawInstall& install,
                          const privacy::Detector* shapes);
void check_openclaw_gateway(std::vector<Finding>& out, const OpenClawInstall& install);
void check_openclaw_tools(std::vector<Finding>& out, const OpenClawInstall& install);
void check_openclaw_skills(std::vector<Finding>& out, const OpenClawInstall& install);

}  // namespace chitin::doctor
