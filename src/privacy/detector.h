#pragma once
// Finds sensitive entities in text: detect (one Vectorscan pass over all built-in and user
// patterns and the place/cue lexicons, one Aho-Corasick pass over user dictionaries, a token
// pass for English names) -> validate (checksums, boundaries, context words) -> decide
// (score threshold, overlaps: higher score, then longer, wins). Offsets are UTF-8 byte
// offsets into the input, which need not be valid UTF-8 (no pattern depends on it).
//
// A Detector is immutable after create() and thread-safe; Vectorscan scratch space comes from
// an internal pool.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "privacy/catalog.h"

namespace chitin::privacy {

struct Entity {
  std::uint32_t type = 0;  // index into Detector::types()
  std::size_t start = 0;
  std::size_t end = 0;
  float score = 0.0F;
};

struct UserDictionary {
  std::string type;
  std::vector<std::string> terms;
};

struct UserPattern {
  std::string type;
  std::string regex;      // Vectorscan syntax, at most kMaxUserPatternBytes
  std::string validator;  // optional, a name from validators.h
};

struct DetectorOptions {
  std::vector<UserDictionary> dictionaries;
  std::vector<UserPattern> patterns;
  float min_score = 0.5F;
  // Where compiled pattern databases are cached ($CHITIN_HOME/cache); empty: no cache.
  std::string cache_dir;
};

// Largest input detect() accepts in one call; callers stream bigger inputs in blocks
// (privacy/stream.h).
inline constexpr std::size_t kMaxDetectBytes = 64U << 20;

// Compiles one expression as the detector would (start of match tracked) and reports why it
// cannot be used; for checking configuration and catalog entries one by one.
Result<void> check_pattern(std::string_view regex, bool caseless);

class Detector {
 public:
  static Result<std::unique_ptr<Detector>> create(DetectorOptions options);
  ~Detector();
  Detector(const Detector&) = delete;
  Detector& operator=(const Detector&) = delete;

  std::span<const EntityType> types() const;
  // Entities sorted by start, never overlapping. The text is copied once (between two
  // sentinel bytes, for the compiled-in boundaries), so peak memory is about twice the input:
  // stream large inputs in blocks (stream.h).
  Result<std::vector<Entity>> detect(std::string_view text) const;

  struct Impl;
  explicit Detector(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace chitin::privacy
