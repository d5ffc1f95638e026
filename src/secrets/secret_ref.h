#pragma once
// OpenClaw SecretRefs ({source, provider, id}, research/openclaw.md §3.7) resolved to their
// values so they can be moved into the encrypted store. Supported: "env" (id names an
// environment variable) and "file" (id is a JSON pointer into the provider's JSON file, or
// "value" for a single-value file). "exec" and "store" are refused: running a provider's
// command or reading OpenClaw's own store is not something an importer should do silently.

#include <string>
#include <string_view>

#include "base/result.h"

namespace chitin::secrets {

struct SecretRef {
  std::string source;
  std::string provider;
  std::string id;
};

inline constexpr std::size_t kMaxRefFileBytes = 1U << 20;

// Parses the JSON object form; unknown sources and missing fields are errors.
Result<SecretRef> parse_secret_ref(std::string_view json);
// `file` is the provider's backing file (OpenClaw's default: ~/.openclaw/secrets.json).
Result<std::string> resolve_secret_ref(const SecretRef& ref, const std::string& file);

}  // namespace chitin::secrets
