#include "privacy/redactor.h"

#include <algorithm>

#include "privacy/placeholder.h"
#include "privacy/text.h"

namespace chitin::privacy {

std::string canonical_value(const EntityType& type, std::string_view text) {
  const std::string folded = fold_width(text);
  switch (type.canonical) {
    case Canonical::kExact:
      return folded;
    case Canonical::kLower:
      return ascii_lowercase(folded);
    case Canonical::kAlnum: {
      std::string out;
      for (char c : folded) {
        if (is_ascii_alnum(static_cast<unsigned char>(c))) {
          out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c);
        }
      }
      return out;
    }
    case Canonical::kDigits:
    case Canonical::kCnMobile: {
      std::string out;
      for (char c : folded) {
        if (is_ascii_digit(static_cast<unsigned char>(c))) {
          out.push_back(c);
        }
      }
      if (type.canonical == Canonical::kCnMobile && out.size() > 11) {
        out.erase(0, out.size() - 11);
      }
      return out;
    }
  }
  return folded;
}

Redactor::Redactor(const Detector& detector, Vault& vault) : detector_(detector), vault_(vault) {}

Result<std::string> Redactor::redact(std::string_view text, std::vector<Entity>* found) {
  std::vector<Entity> entities = CHITIN_TRY(detector_.detect(text));
  // Placeholder look-alikes in the input win over anything detected at the same place.
  struct Escape {
    std::size_t start;
    std::size_t end;
  };
  std::vector<Escape> escapes;
  // Every placeholder-shaped token is escaped, whatever its label: the vault may hold labels
  // this detector does not know (types from an earlier call), and LITERAL restores exactly.
  find_placeholder_tokens(text, 0, true, [&](const PlaceholderToken& token) {
    escapes.push_back(Escape{token.start, token.end});
  });
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::size_t at = 0;
  std::size_t next_entity = 0;
  std::size_t next_escape = 0;
  if (found != nullptr) {
    found->clear();
  }
  while (next_entity < entities.size() || next_escape < escapes.size()) {
    const bool escape_first =
        next_escape < escapes.size() && (next_entity >= entities.size() ||
                                         escapes[next_escape].start <= entities[next_entity].start);
    std::size_t start = 0;
    std::size_t end = 0;
    const EntityType* type = nullptr;
    if (escape_first) {
      start = escapes[next_escape].start;
      end = escapes[next_escape].end;
      ++next_escape;
      // An entity that overlaps the look-alike is hidden with it: the union becomes one
      // LITERAL, so no part of the entity is left in clear.
      for (std::size_t e = next_entity; e < entities.size() && entities[e].start < end; ++e) {
        end = std::max(end, entities[e].end);
      }
      while (next_escape < escapes.size() && escapes[next_escape].start < end) {
        end = std::max(end, escapes[next_escape++].end);
      }
    } else {
      const Entity& entity = entities[next_entity++];
      start = entity.start;
      end = entity.end;
      type = &detector_.types()[entity.type];
      if (start >= at && found != nullptr) {
        found->push_back(entity);
      }
    }
    if (start < at) {
      continue;  // overlaps what was just replaced
    }
    const std::string_view original = text.substr(start, end - start);
    const std::string placeholder =
        CHITIN_TRY(type == nullptr ? vault_.placeholder_for(kLiteralLabel, original, original)
                                   : vault_.placeholder_for(
                                         type->label, canonical_value(*type, original), original));
    out.append(text.substr(at, start - at));
    out.append(placeholder);
    at = end;
    // An entity that overlaps this escape is dropped (the escape covers its text).
    while (next_entity < entities.size() && entities[next_entity].start < at) {
      ++next_entity;
    }
  }
  out.append(text.substr(at));
  return out;
}

}  // namespace chitin::privacy
