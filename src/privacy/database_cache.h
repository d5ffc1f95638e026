#pragma once
// Compiling the built-in catalog takes Vectorscan about two seconds; loading a serialised
// database takes milliseconds. Databases are cached in the installation's cache directory
// under a name derived from everything that went into them (expressions, flags, ids, the
// Vectorscan version), with a BLAKE2b checksum of the blob; a missing, damaged or foreign
// (other CPU platform) cache entry is recompiled and replaced.

#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "privacy/detector_impl.h"

namespace chitin::privacy {

struct PatternSet {
  std::vector<std::string> expressions;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  // Names expression `index` in a compile error.
  std::function<std::string(unsigned index)> describe;
};

Result<HsDatabase> compile_patterns(const PatternSet& set);
// As compile_patterns, through the cache in `cache_dir` (none when empty). Cache failures
// only cost time; they are never errors.
Result<HsDatabase> load_or_compile(const PatternSet& set, const std::string& cache_dir);

}  // namespace chitin::privacy
