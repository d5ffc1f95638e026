#pragma once
// Parser for OpenClaw/AgentSkills SKILL.md: YAML frontmatter between '---' lines, then a
// Markdown body. Reads the keys OpenClaw reads (docs/skills.md), `metadata.openclaw` and its
// legacy aliases `metadata.clawdbot` / `metadata.clawdis` (also when given as a JSON string),
// and Chitin's permission manifest `metadata.openclaw.permissions`, which is strict: unknown
// keys, wrong types and paths outside {workspace}/{skill} are errors with file:line.
// Unknown keys elsewhere are ignored, as OpenClaw does, so existing skills keep loading.
//
// Bounded: the file, the frontmatter, every string and list, and the nesting depth have named
// limits, checked before yaml-cpp sees the text (yaml-cpp recurses per nesting level).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "skills/permissions.h"

namespace chitin::skills {

inline constexpr std::size_t kMaxSkillMdBytes = 512 * 1024;
inline constexpr std::size_t kMaxFrontmatterBytes = 64 * 1024;
inline constexpr std::size_t kMaxFrontmatterDepth = 24;
inline constexpr std::size_t kMaxStringBytes = 4096;
inline constexpr std::size_t kMaxListItems = 64;
inline constexpr std::size_t kMaxNameBytes = 64;

// An `install[]` entry. Recorded and shown; Chitin never runs it.
struct InstallSpec {
  std::string id;
  std::string kind;  // brew | node | go | uv | download | ...
  std::string label;
  std::string target;  // formula, package, or url
};

struct Requirements {
  std::vector<std::string> bins;
  std::vector<std::string> any_bins;
  std::vector<std::string> env;
};

struct SkillDocument {
  std::string name;
  std::string description;
  std::string version;
  std::string homepage;
  bool user_invocable = true;
  bool disable_model_invocation = false;
  std::string metadata_key;  // "openclaw", "clawdbot", "clawdis", or empty (no metadata)
  Requirements requirements;
  std::string primary_env;
  std::vector<std::string> os;
  std::vector<InstallSpec> install;
  Permissions permissions;
  std::string body;           // the Markdown after the frontmatter
  std::size_t body_line = 1;  // line number of the body's first line in the file
};

// `file` names the input in error messages ("path/SKILL.md:LINE: ...").
Result<SkillDocument> parse_skill_md(std::string_view text, std::string_view file);

// Skill names as ClawHub defines them: 1..64 of a-z 0-9 '-', not starting with '-'.
Result<void> check_skill_name(std::string_view name);

}  // namespace chitin::skills
