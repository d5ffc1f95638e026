#pragma once
// Internals shared by detector.cc (compile, scan, decide) and detector_text.cc (names,
// addresses, organisations, extents). Not part of the module's interface.

#include <hs/hs.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/string_hash.h"
#include "privacy/detector.h"
#include "privacy/dictionary.h"
#include "privacy/text.h"
#include "privacy/validators.h"

namespace chitin::privacy {

// Literal words found in the same Vectorscan pass as the patterns.
enum class LexiconKind : std::uint8_t {
  kProvince,
  kCity,
  kDistrict,
  kNameBefore,      // a name follows: 我叫, 联系人, 尊敬的
  kNameAfter,       // a name precedes: 先生, 经理, 说
  kNameBeforeWeak,  // often before a name (给, 跟, 我妈叫): only name-like characters count
  kNameAfterWeak,   // often after a name (和, 也, 主持): only name-like characters count
  kOrgBoundary,     // an organisation name follows: 加入, 就职于, 公司名称
  kContextWord,     // a context word of a type that requires one: scan the window around it
};

// The longest name cue literal (法定代表人 is 15 bytes): the look-back of the cue helpers in
// detector_text.cc; a test checks every cue fits.
inline constexpr std::size_t kMaxNameCueBytes = 16;

struct LexiconHit {
  LexiconKind kind;
  std::size_t start;
  std::size_t end;
};

struct LexiconLiteral {
  std::string text;
  LexiconKind kind;
};

// The lexicons behind the text types, built once from data/privacy/lexicon (thread-safe).
struct TextModel {
  StringSet surnames;     // one or two Han characters
  StringSet given_names;  // Chinese given names
  StringSet not_names;    // words that look like names and are not
  // What single Han characters are, by han_index(): the name scans ask this of nearly every
  // character of Chinese text, and a hash-set look-up per question was a tenth of redact.
  enum HanFlag : std::uint8_t {
    kSurnameChar = 1,        // a one-character surname
    kCommonSurnameChar = 2,  // one of the common ones
    kGivenChar = 4,          // seen in given names
    kStopChar = 8,           // a function word that rarely starts a name
    kNonNameChar = 16,       // a verb or noun, for weak evidence
    kCompoundFirst = 32,     // the first character of a two-character surname (欧 of 欧阳)
  };
  std::vector<std::uint8_t> han_flags;
  // Whether the Han character at `at` has `flag`; false when no Han character starts there.
  bool han_is(std::string_view text, std::size_t at, HanFlag flag) const {
    const int index = han_index(text, at);
    return index >= 0 && (han_flags[static_cast<std::size_t>(index)] & flag) != 0;
  }
  // How much likelier a character is in a name than in running text, in tenths of a natural
  // log ratio (zh_name_char_scores.txt, derived from jieba's dictionary), by han_index():
  // dense tables, because the uncued-name scan looks up every Han character of the text.
  static constexpr std::int16_t kNoScore = std::numeric_limits<std::int16_t>::min();
  std::vector<std::int16_t> surname_scores;
  std::vector<std::int16_t> given_scores;
  std::vector<std::uint8_t> starts_surname;  // 1: a surname (or compound) starts with it
  StringSet common_words;                    // two- to four-character words (zh_common_words.txt)
  StringSet en_given;
  StringSet en_family;
  StringSet en_not_name;  // capitalised words that are not names
  std::vector<LexiconLiteral> literals;
};
const TextModel& text_model();

struct HsDatabaseFree {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
struct HsScratchFree {
  void operator()(hs_scratch_t* scratch) const { hs_free_scratch(scratch); }
};
using HsDatabase = std::unique_ptr<hs_database_t, HsDatabaseFree>;
using HsScratch = std::unique_ptr<hs_scratch_t, HsScratchFree>;

struct Detector::Impl {
  std::vector<EntityType> types;
  std::vector<Validator> validators;  // per type; null: none
  HsDatabase database;                // built-in patterns, then lexicon literals
  std::vector<std::uint32_t> pattern_type;
  std::vector<std::uint8_t> pattern_wrapped;  // 1: boundary written into the pattern
  std::uint32_t literal_base = 0;
  std::vector<LexiconKind> literal_kind;
  std::vector<std::uint32_t> literal_length;
  // Types that require a context word are not in `database`: their shapes (bare 9-digit
  // numbers...) match everywhere. Their context words are literals in `database`, and this
  // database runs only over the windows around them.
  HsDatabase context_database;
  std::vector<std::uint32_t> context_pattern_type;
  std::vector<std::uint8_t> context_pattern_wrapped;
  std::size_t context_window = 0;  // bytes either side of a context word
  // The contextual types that record lines naming a person take without context (ids as in
  // context_database); scanned around names (find_record_fields). Null when none.
  HsDatabase record_database;
  HsDatabase user_database;  // user patterns (may be null)
  std::vector<std::uint32_t> user_pattern_type;
  Dictionary dictionary;  // user dictionaries; term type = type index
  std::uint32_t person_type = 0;
  std::uint32_t address_zh_type = 0;
  float min_score = 0.5F;

  mutable std::mutex scratch_mu;
  mutable std::vector<HsScratch> scratch_pool;
};

// Text-type passes (detector_text.cc). `hits` are sorted by start.
// Sorts [start, end) spans and merges those that overlap or touch.
void merge_spans(std::vector<std::pair<std::size_t, std::size_t>>& spans);
void find_chinese_names(const Detector::Impl& impl, std::string_view text,
                        std::span<const LexiconHit> hits, std::vector<Entity>& out);
void find_english_names(const Detector::Impl& impl, std::string_view text,
                        std::vector<Entity>& out);
void find_admin_areas(const Detector::Impl& impl, std::span<const LexiconHit> hits,
                      std::vector<Entity>& out);
// The real extent of a match of a type with a non-trivial Extent; {0, 0} rejects it.
std::pair<std::size_t, std::size_t> grow_extent(Extent extent, std::string_view text,
                                                std::size_t start, std::size_t end,
                                                std::span<const LexiconHit> hits);

}  // namespace chitin::privacy
