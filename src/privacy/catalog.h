#pragma once
// The entity types the privacy filter knows: the built-in catalog (identifiers with
// validators, provider secret formats from data/privacy/secrets.tsv, one IBAN type per
// registry country from data/privacy/iban.tsv, and lexicon-driven names, addresses and
// organisations) plus the user's own dictionary and pattern types. `chitin privacy types`
// prints it; docs/privacy.md explains the fields.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace chitin::privacy {

// What must not touch a match on either side (checked in C++ because Vectorscan has no
// look-around): kDigit - no ASCII digit; kAlnum - no ASCII letter or digit; kToken - none of
// [A-Za-z0-9_-] (provider tokens); kDotted - no letter or digit, and no '.' or ':' followed
// by a digit (so 1.2.3.4.5 is not an address); kHostPort - kDotted, but ':' and a port may
// follow (10.0.0.5:5432); kNone - anything.
enum class Boundary : std::uint8_t { kNone, kDigit, kAlnum, kToken, kDotted, kHostPort };

// How a value is canonicalised before it is looked up in the vault, so that one value typed
// two ways gets one placeholder (after fullwidth folding): kDigits - digits only (phones,
// cards, numeric IDs); kAlnum - letters and digits, upper case (IBAN, USCC); kLower - ASCII
// lower case (e-mail, hosts); kCnMobile - the last 11 digits (+86 dropped); kExact - as
// written (names, keys, addresses).
enum class Canonical : std::uint8_t { kExact, kDigits, kAlnum, kLower, kCnMobile };

// Whether a type's matches count in a person's record line without context words.
enum class RecordField : std::uint8_t { kNo, kYes, kBirthDate };

// Work done after the pattern matched, to find the real extent of the entity.
enum class Extent : std::uint8_t {
  kMatch,     // the match itself
  kUrl,       // grow right over URL characters, drop trailing punctuation
  kPemBlock,  // from the BEGIN line to its END line
  kStreetZh,  // Chinese street + number: grow left over place names, right over building/room
  kStreetEn,  // number + street: grow right over ", Apt 4", ", City", ", ST 12345"
  kOrgZh,     // legal-form suffix: grow left over the name
  kOrgEn,     // capitalised words + legal form: drop leading function words
};

struct EntityType {
  std::string id;           // unique, [A-Z0-9_]: "CN_RESIDENT_ID"
  std::string label;        // placeholder label: "CN_ID" -> ⟦CN_ID_1⟧
  std::string category;     // parent category: "government_id", "financial", "secret", ...
  std::string regions;      // languages/countries: "CN", "zh,en", "global"
  std::string description;  // one line for `privacy types`
  std::string pattern;      // Vectorscan expression (empty for lexicon-driven types)
  bool caseless = false;
  std::string validator;              // name in validators.h; empty: none
  std::vector<std::string> context;   // words near the match that raise confidence
  std::uint16_t context_before = 48;  // bytes searched for them before the match
  std::uint16_t context_after = 24;   // and after it
  bool context_required = false;      // without one of them the match is dropped
  bool context_adjacent = false;      // no digit may stand between the word and the match
  // Words that count as context when they directly follow the match (spaces allowed); a
  // one-character word only when no Han character comes after it.
  std::vector<std::string> context_follow;
  bool weak_number = false;   // dropped next to order/tracking/invoice words
  bool self_evident = false;  // its structure proves it: no negative word vetoes it
  // A context-required type also accepted without context in a line that names a person
  // (detector.cc, find_record_fields).
  RecordField record = RecordField::kNo;
  float score = 0.9F;
  Boundary boundary = Boundary::kAlnum;
  Canonical canonical = Canonical::kExact;
  Extent extent = Extent::kMatch;
  std::string example;  // matched in full and accepted by the validator (unit-tested)
  bool builtin = true;
};

// Limits for user-defined types (README "Privacy filter").
inline constexpr std::size_t kMaxUserTypes = 50000;
inline constexpr std::size_t kMaxUserPatternBytes = 1024;
inline constexpr std::size_t kMaxTypeIdBytes = 48;

// The built-in catalog, built once (thread-safe).
std::span<const EntityType> builtin_catalog();

// True for credentials: the "secret" category (API keys, tokens) and private keys, which the
// catalog files under other categories. The egress proxy blocks these and the doctor looks
// for them in plaintext.
bool is_credential_type(const EntityType& type);

// Checks a user type id: 1..kMaxTypeIdBytes of [A-Z0-9_], starting with a letter, not a
// built-in id or label and not LITERAL.
Result<void> check_user_type_id(std::string_view id);

// The Vectorscan-safe UTF-8 alternation of a list of words: "(?:京|津|...)".
std::string alternation(std::span<const std::string_view> words);

// Parts of the catalog, by file.
void add_core_types(std::vector<EntityType>& out);
void add_national_id_types(std::vector<EntityType>& out);
void add_text_types(std::vector<EntityType>& out);
void add_secret_types(std::vector<EntityType>& out);
void add_iban_types(std::vector<EntityType>& out);

}  // namespace chitin::privacy
