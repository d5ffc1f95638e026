#pragma once
// Replaces detected entities with placeholders from a session's vault, and escapes text that
// already looks like a placeholder (it becomes ⟦LITERAL_N⟧, so an attacker cannot smuggle a
// fake placeholder that restore would turn into someone else's data).

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "base/result.h"
#include "privacy/detector.h"
#include "privacy/vault.h"

namespace chitin::privacy {

// The canonical form of a value of `type` (vault key): width-folded, then per type.
std::string canonical_value(const EntityType& type, std::string_view text);

class Redactor {
 public:
  // Both must outlive the Redactor.
  Redactor(const Detector& detector, Vault& vault);

  // The anonymised text; `found` (optional) receives the entities replaced, LITERAL
  // escapes excluded, with offsets into `text`.
  Result<std::string> redact(std::string_view text, std::vector<Entity>* found = nullptr);

 private:
  const Detector& detector_;
  Vault& vault_;
};

}  // namespace chitin::privacy
