#pragma once
// Reads an OpenClaw installation's configuration: `openclaw.json` (JSON5) with its `$include`
// directives resolved the way OpenClaw resolves them (a path or a list of paths, relative to
// the including file; objects merge recursively, arrays concatenate, the including object's
// own keys win over what it includes), so that the doctor and the importer see the settings
// OpenClaw would run with. Like OpenClaw, only files inside the config's directory (or extra
// roots, OPENCLAW_INCLUDE_ROOTS) are included; others are skipped and listed. Bounded: ten
// levels of includes, 64 files, each at most 8 MiB and 16 MiB read in all; a cycle or a missing
// include is an error naming the chain.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace chitin::config {

inline constexpr std::size_t kMaxOpenClawIncludeDepth = 10;
inline constexpr std::size_t kMaxOpenClawIncludeFiles = 64;

struct OpenClawConfig {
  std::string path;                   // the main file
  nlohmann::json settings;            // merged, includes resolved; an object
  std::vector<std::string> includes;  // every included file, as resolved, in load order
  std::vector<std::string> skipped;   // includes outside the allowed roots (not loaded)
};

// The config file of the installation in `dir`: `dir/openclaw.json`. Reading a missing file
// is an error; callers that accept OpenClaw's "no config means defaults" check first.
// `extra_roots`: directories besides the config's own from which includes may come.
Result<OpenClawConfig> read_openclaw_config(const std::string& path,
                                            const std::vector<std::string>& extra_roots = {});

// OpenClaw's merge: objects recursively, arrays concatenate, anything else `source` wins.
void merge_openclaw(nlohmann::json& target, const nlohmann::json& source);

}  // namespace chitin::config
