#pragma once
// One built-in Detector per test process: compiling the catalog costs seconds (more under
// ASan), so tests share it and its compiled database is cached across test processes in the
// build directory (PRIVACY_TEST_CACHE).

#include <gtest/gtest.h>

#include "privacy/detector.h"

namespace chitin::privacy {

inline const Detector& shared_detector() {
  static const std::unique_ptr<Detector> detector = [] {
    auto created = Detector::create(
        {.dictionaries = {}, .patterns = {}, .min_score = 0.5F, .cache_dir = PRIVACY_TEST_CACHE});
    if (!created) {
      ADD_FAILURE() << created.error().describe();
      std::abort();
    }
    return std::move(*created);
  }();
  return *detector;
}

// "TYPE_ID[start,end)" for each entity, for readable assertions.
inline std::vector<std::string> describe(const Detector& detector, std::string_view text,
                                         const std::vector<Entity>& entities) {
  std::vector<std::string> out;
  for (const Entity& entity : entities) {
    out.push_back(detector.types()[entity.type].id + ":" +
                  std::string(text.substr(entity.start, entity.end - entity.start)));
  }
  return out;
}

}  // namespace chitin::privacy
