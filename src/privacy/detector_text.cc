// Names, addresses and organisations: lexicon hits and cue words from the Vectorscan pass,
// then small grammar rules. Heuristic by nature; tests/privacy/eval measures them.
#include <algorithm>
#include <array>
#include <set>

#include "privacy/detector_impl.h"
#include "privacy/text.h"

namespace chitin::privacy {

namespace {

constexpr float kNameScore = 0.8F;
constexpr float kCoreferenceScore = 0.75F;
constexpr float kWeakNameScore = 0.7F;
constexpr float kAdminAreaScore = 0.7F;
constexpr std::size_t kMaxListedNames = 12;

bool starts_with_at(std::string_view text, std::size_t at, std::string_view word) {
  return at <= text.size() && text.substr(at).starts_with(word);
}

bool is_stop(const TextModel& model, std::string_view text, std::size_t at) {
  return han_length_at(text, at) == 0 || model.han_is(text, at, TextModel::kStopChar);
}

// The first hit starting at or after `at` (hits are sorted by start).
std::span<const LexiconHit>::iterator hits_from(std::span<const LexiconHit> hits, std::size_t at) {
  return std::lower_bound(hits.begin(), hits.end(), at,
                          [](const LexiconHit& h, std::size_t value) { return h.start < value; });
}

bool is_name_cue(LexiconKind kind) {
  return kind == LexiconKind::kNameBefore || kind == LexiconKind::kNameBeforeWeak ||
         kind == LexiconKind::kNameAfter || kind == LexiconKind::kNameAfterWeak;
}

bool cue_at(std::span<const LexiconHit> hits, std::size_t at, LexiconKind kind) {
  for (auto it = hits_from(hits, at); it != hits.end() && it->start == at; ++it) {
    if (it->kind == kind) {
      return true;
    }
  }
  return false;
}

// Where a cue ending at or covering `at` may start: no cue is longer than kMaxNameCueBytes.
std::size_t cue_reach(std::size_t at) { return at > kMaxNameCueBytes ? at - kMaxNameCueBytes : 0; }

// Whether a cue that announces a name (strong or weak) ends exactly at `at`.
bool cue_ends_at(std::span<const LexiconHit> hits, std::size_t at) {
  for (auto it = hits_from(hits, cue_reach(at)); it != hits.end() && it->start < at; ++it) {
    const bool before =
        it->kind == LexiconKind::kNameBefore || it->kind == LexiconKind::kNameBeforeWeak;
    if (before && it->end == at) {
      return true;
    }
  }
  return false;
}

// Whether a name cue covers the character at `at` (感谢 covers 谢).
bool cue_covers(std::span<const LexiconHit> hits, std::size_t at) {
  for (auto it = hits_from(hits, cue_reach(at)); it != hits.end() && it->start <= at; ++it) {
    if (is_name_cue(it->kind) && it->end > at) {
      return true;
    }
  }
  return false;
}

// Whether the `chars` Han characters at `at` are a common word (zh_common_words.txt).
bool common_word(const TextModel& model, std::string_view text, std::size_t at, std::size_t chars) {
  return model.common_words.contains(text.substr(at, 3 * chars));
}

// Length in bytes of the surname starting at `at` (compound first), or 0.
std::size_t surname_at(const TextModel& model, std::string_view text, std::size_t at) {
  // The flag first: this runs at nearly every Han character, a hash look-up does not pay.
  if (model.han_is(text, at, TextModel::kCompoundFirst) && han_run_at(text, at, 2) == 2 &&
      model.surnames.contains(text.substr(at, 6))) {
    return 6;
  }
  if (model.han_is(text, at, TextModel::kSurnameChar)) {
    return 3;
  }
  return 0;
}

// A candidate that is a known non-name word or itself a cue word (老师, 介绍) is not a name.
bool not_a_word(const TextModel& model, std::string_view text, std::span<const LexiconHit> hits,
                std::size_t start, std::size_t end) {
  // A character repeated (哈哈哈, 呵呵) is an interjection.
  if (end - start >= 6 && text.substr(start, 3) == text.substr(start + 3, 3)) {
    return false;
  }
  if (model.not_names.contains(
          std::string(text.substr(start, std::min<std::size_t>(6, end - start))))) {
    return false;
  }
  auto it = hits_from(hits, start);
  for (; it != hits.end() && it->start == start; ++it) {
    if (it->end >= end && it->kind != LexiconKind::kDistrict) {
      return false;
    }
  }
  return true;
}

// How strong the evidence around a candidate is; weaker evidence needs a more name-like
// candidate.
enum class Evidence : std::uint8_t { kWeakCue, kIsolated, kLatinContext };

// Two characters need a common surname and a name character (two-character words that start
// with a surname character are everywhere: 时间, 周末, 黄金). Longer ones need no
// function-word or non-name character, a weak cue at least one name character and an isolated
// run only name characters.
bool plausible_name(const TextModel& model, std::string_view text, std::span<const LexiconHit> hits,
                    std::size_t start, std::size_t end, Evidence evidence) {
  const std::size_t surname = surname_at(model, text, start);
  if (surname == 0 || end <= start + surname ||
      model.not_names.contains(text.substr(start, end - start)) ||
      model.not_names.contains(
          std::string(text.substr(start, std::min<std::size_t>(6, end - start))))) {
    return false;
  }
  // A two-character candidate that is a word (连接 between Latin words), or whose ends make
  // words with their neighbours (照顾好你: 照顾; 对方负责人: 负责), is text.
  const auto word = [&](std::size_t from) { return common_word(model, text, from, 2); };
  // Across a cue only behind a common surname: 人马娜 is a name after 人, 人员董强 is not.
  const bool common = model.han_is(text, start, TextModel::kCommonSurnameChar);
  const bool word_before = han_length_before(text, start) != 0 &&
                           !(common && cue_ends_at(hits, start)) && word(start - 3);
  if (end - start == 6 &&
      (word(start) || word_before || (han_length_at(text, end) != 0 && word(end - 3)))) {
    return false;
  }
  // Behind a rare surname, a word on either side of it (通讯员, 人员董强): text.
  if (surname == 3 && !common && (word_before || (end - start == 9 && word(start)))) {
    return false;
  }
  std::size_t known = 0;
  for (std::size_t at = start + surname; at < end; at += 3) {
    if (is_stop(model, text, at) ||
        (evidence != Evidence::kLatinContext && model.han_is(text, at, TextModel::kNonNameChar))) {
      return false;
    }
    known += model.han_is(text, at, TextModel::kGivenChar) ? 1 : 0;
  }
  const std::size_t given = (end - start - surname) / 3;
  if (evidence == Evidence::kLatinContext) {
    return true;
  }
  if (end - start == 6) {
    return surname == 3 && (known == 1 || evidence == Evidence::kWeakCue) &&
           model.han_is(text, start, TextModel::kCommonSurnameChar);
  }
  return evidence == Evidence::kIsolated && given == 1 ? known == given : known >= 1;
}

// A three-character name with no cue around it, inside running text ("那年冬天，我在车站看见
// 林书瑶，她…"): scored by how much likelier its characters are in names than in text
// (zh_name_char_scores.txt), and refused when it is, or runs into, a common word. Two-character
// names are left to the cues: too many ordinary words look like one.
constexpr int kUnmarkedNameThreshold = 40;  // tenths of a natural-log likelihood ratio
constexpr int kCompoundSurnameScore = 30;   // 欧阳, 司马: rare in running text
constexpr int kUnknownCharScore = 20;       // a character jieba never saw: rare, name-like
constexpr int kMinGivenCharScore = -5;      // below: a text character (发, 打, 收), not a name's

int name_char_score(const std::vector<std::int16_t>& scores, std::string_view text, std::size_t at,
                    int missing) {
  const int index = han_index(text, at);
  const int score = index < 0 ? TextModel::kNoScore : scores[static_cast<std::size_t>(index)];
  return score == TextModel::kNoScore ? missing : score;
}

// Whether a province, city or district name from the gazetteer overlaps [start, end): a
// county named on its own (丰顺县, 凤林镇) has the shape of a name, and its last character
// scores as a name character. Hits are sorted by start; no place name is longer than 64 bytes.
bool touches_place(std::span<const LexiconHit> hits, std::size_t start, std::size_t end) {
  auto it = hits_from(hits, start > 64 ? start - 64 : 0);
  for (; it != hits.end() && it->start < end; ++it) {
    const bool place = it->kind == LexiconKind::kProvince || it->kind == LexiconKind::kCity ||
                       it->kind == LexiconKind::kDistrict;
    if (place && it->end > start) {
      return true;
    }
  }
  return false;
}

// Length in bytes of an uncued three-character name (or compound surname + two) at `at`.
std::size_t unmarked_name_at(const TextModel& model, std::string_view text,
                             std::span<const LexiconHit> hits, std::size_t at) {
  // Most Han characters start no surname: one table look-up rules them out.
  const int index = han_index(text, at);
  if (index < 0 || model.starts_surname[static_cast<std::size_t>(index)] == 0) {
    return 0;
  }
  const std::size_t surname = surname_at(model, text, at);
  if (surname == 0 || (surname == 3 && is_stop(model, text, at))) {
    return 0;
  }
  const std::size_t given = at + surname;
  const std::size_t end = given + 6;
  if (han_run_at(text, given, 2) != 2 || is_stop(model, text, given) ||
      is_stop(model, text, given + 3)) {
    return 0;
  }
  const int first = name_char_score(model.given_scores, text, given, kUnknownCharScore);
  const int second = name_char_score(model.given_scores, text, given + 3, kUnknownCharScore);
  const int surname_score =
      surname == 6 ? kCompoundSurnameScore : name_char_score(model.surname_scores, text, at, 0);
  const int score = surname_score + first + second;
  if (score < kUnmarkedNameThreshold || std::min(first, second) < kMinGivenCharScore) {
    return 0;
  }
  // Two surname characters in a row (二班孔霞): the likelier surname starts the name, and the
  // scan tries it next.
  if (surname == 3 && model.han_is(text, given, TextModel::kSurnameChar) &&
      name_char_score(model.surname_scores, text, given, 0) > surname_score) {
    return 0;
  }
  // Words from jieba's dictionary: the given name (明白), surname + first (张开), what comes
  // before + surname (一周), second + what follows (明天), the whole candidate (哈巴狗), or a
  // four-character word it starts or ends inside (乌烟瘴气, 一劳永逸).
  const auto word = [&](std::size_t start, std::size_t chars) {
    return common_word(model, text, start, chars);
  };
  const bool han_before = han_length_before(text, at) != 0;
  const bool han_after = han_length_at(text, end) != 0;
  if (word(given, 2) || (surname == 3 && (word(at, 2) || word(at, 3))) ||
      (han_before && (word(at - 3, 2) || (han_run_at(text, at - 3, 4) == 4 && word(at - 3, 4)))) ||
      (han_after && (word(given + 3, 2) || (surname == 3 && word(at, 4)))) ||
      cue_at(hits, given, LexiconKind::kNameAfter) ||
      cue_at(hits, given, LexiconKind::kNameAfterWeak) || !not_a_word(model, text, hits, at, end) ||
      touches_place(hits, at, end)) {
    return 0;
  }
  return end - at;
}

// An uncued name of a surname and one given character at `at`, ending where the clause or a
// function word does ("今天又遇到郑磊了", "塞给了姚芳。", "采访了宇文涛，"): its length, or 0.
// Far more two-character words than names have that shape, so both characters must be
// name-like, a one-character surname a common one, and neither the pair nor its neighbours a
// word. A compound surname (宇文, 诸葛) is rare in text: it needs only a name-like character.
constexpr int kTwoCharNameThreshold = 30;  // tenths of a natural-log likelihood ratio
constexpr int kMinTwoCharGivenScore = 10;

std::size_t unmarked_one_given_name_at(const TextModel& model, std::string_view text,
                                       std::span<const LexiconHit> hits, std::size_t at) {
  const std::size_t surname = surname_at(model, text, at);
  const std::size_t given = at + surname;
  const std::size_t end = given + 3;
  if (surname == 0 ||
      (surname == 3 &&
       (!model.han_is(text, at, TextModel::kCommonSurnameChar) || is_stop(model, text, at))) ||
      han_length_at(text, given) == 0 || is_stop(model, text, given) ||
      model.han_is(text, given, TextModel::kNonNameChar)) {
    return 0;
  }
  const bool han_after = han_length_at(text, end) != 0;
  if (han_after && !is_stop(model, text, end)) {
    return 0;  // a longer word or a three-character name: not this rule's call
  }
  const int first = name_char_score(model.given_scores, text, given, kUnknownCharScore);
  const int surname_score =
      surname == 6 ? kCompoundSurnameScore : name_char_score(model.surname_scores, text, at, 0);
  if (first < kMinTwoCharGivenScore || surname_score + first < kTwoCharNameThreshold) {
    return 0;
  }
  const auto word = [&](std::size_t start, std::size_t chars) {
    return common_word(model, text, start, chars);
  };
  const bool han_before = han_length_before(text, at) != 0;
  if ((surname == 3 && (word(at, 2) || (han_before && word(at - 3, 2)))) ||
      (han_after && word(given, 2)) || cue_at(hits, at, LexiconKind::kNameAfter) ||
      cue_at(hits, given, LexiconKind::kNameAfter) || !not_a_word(model, text, hits, at, end) ||
      touches_place(hits, at, end)) {
    return 0;
  }
  return end - at;
}

// A name starting exactly at `at` (after a cue that announces one): surname + 1-2 characters.
std::size_t name_after_cue(const TextModel& model, std::string_view text,
                           std::span<const LexiconHit> hits, std::size_t at) {
  const std::size_t surname = surname_at(model, text, at);
  // Another cue starting here (患者家属乔锡仙: 家属 after 患者) announces the name itself.
  if (surname == 0 || (surname == 3 && is_stop(model, text, at)) ||
      cue_at(hits, at, LexiconKind::kNameBefore)) {
    return 0;
  }
  const std::size_t given_start = at + surname;
  const std::size_t run = han_run_at(text, given_start, 3);
  if (run == 0 || is_stop(model, text, given_start)) {
    return 0;
  }
  // One given character when the next one starts a cue, is a function word or is not a name
  // character at all ("郭超三位同事", "龙娜大夫").
  // Likewise when the next one is a text character, not a name's (司机王铁受轻伤, 上诉人曾磊不服),
  // or starts a word with the one after it (当庭, 介绍).
  const std::size_t second = given_start + 3;
  const bool one =
      run == 1 || cue_at(hits, second, LexiconKind::kNameAfter) ||
      cue_at(hits, second, LexiconKind::kNameAfterWeak) || is_stop(model, text, second) ||
      model.han_is(text, second, TextModel::kNonNameChar) ||
      name_char_score(model.given_scores, text, second, kUnknownCharScore) < kMinGivenCharScore ||
      (run == 3 && common_word(model, text, second, 2));
  return surname + 3 * (one ? 1 : 2);
}

// A name ending exactly at `end` (before a cue such as 先生 or 说): tries 4, 3 and 2
// characters, preferring a compound surname, then a three-character name unless its first
// character is a rare surname and the two-character reading has a common one ("二班汤艳的").
std::pair<std::size_t, std::size_t> name_before_cue(const TextModel& model, std::string_view text,
                                                    std::span<const LexiconHit> hits,
                                                    std::size_t end) {
  const auto fits = [&](std::size_t chars) {
    return end >= 3 * chars && han_run_at(text, end - 3 * chars, chars) == chars;
  };
  const auto common = [&](std::size_t at) {
    return model.han_is(text, at, TextModel::kCommonSurnameChar);
  };
  if (fits(4) && surname_at(model, text, end - 12) == 6) {
    return {end - 12, end};
  }
  const bool two = fits(2) && surname_at(model, text, end - 6) == 3 &&
                   !is_stop(model, text, end - 6) && !is_stop(model, text, end - 3);
  if (fits(3)) {
    const std::size_t start = end - 9;
    const std::size_t surname = surname_at(model, text, start);
    const bool starts_word = start < 3 || han_length_before(text, start) == 0;
    const bool prefer_two = two && !common(start) && common(end - 6);
    // Not three when the last is a function word (白佩都说), when the first ends a cue word
    // (感谢郭超在: 谢), or when a rare surname comes before a word (华东区销售总监: 区).
    const bool not_three =
        is_stop(model, text, end - 3) || cue_covers(hits, start) ||
        (surname == 3 && !common(start) && common_word(model, text, start + 3, 2));
    if (surname != 0 && !prefer_two && !not_three &&
        (starts_word || !is_stop(model, text, start)) && !is_stop(model, text, start + surname)) {
      return {start, end};
    }
  }
  if (two) {
    return {end - 6, end};
  }
  return {0, 0};
}

std::size_t skip_separators(std::string_view text, std::size_t at) {
  for (int rounds = 0; rounds < 3; ++rounds) {
    bool moved = false;
    for (std::string_view separator : {"：", ":", " ", "是", "为", "\t", "，"}) {
      if (starts_with_at(text, at, separator)) {
        at += separator.size();
        moved = true;
        break;
      }
    }
    if (!moved) {
      break;
    }
  }
  return at;
}

// Other occurrences of the names found. ASCII names must stand as words ("Li" is not in
// "Linux"); at most kMaxCoreferenceNames names are searched per call. One pass over the text:
// a bitmap of the names' first two bytes picks the positions worth comparing (searching for
// each name in turn cost one pass per name, and the lead byte of a Han name is in every
// other character of Chinese text).
void add_coreferences(std::string_view text, std::uint32_t type, std::vector<Entity>& out,
                      std::size_t first_new) {
  constexpr std::size_t kMaxCoreferenceNames = 64;
  std::set<std::string_view> unique;
  for (std::size_t i = first_new; i < out.size() && unique.size() < kMaxCoreferenceNames; ++i) {
    if (out[i].end - out[i].start >= 2) {
      unique.insert(text.substr(out[i].start, out[i].end - out[i].start));
    }
  }
  if (unique.empty()) {
    return;
  }
  const std::vector<std::string_view> names(unique.begin(), unique.end());
  const auto prefix = [](std::string_view at) {
    return static_cast<std::uint16_t>(static_cast<unsigned char>(at[0]) |
                                      (static_cast<unsigned char>(at[1]) << 8U));
  };
  std::vector<std::uint64_t> bitmap(65536 / 64, 0);
  for (std::string_view name : names) {
    bitmap[prefix(name) / 64] |= std::uint64_t{1} << (prefix(name) % 64);
  }
  // A name's occurrences do not overlap each other (as with repeated find()).
  std::vector<std::size_t> next_allowed(names.size(), 0);
  for (std::size_t at = 0; at + 1 < text.size(); ++at) {
    const std::uint16_t key = prefix(text.substr(at));
    if ((bitmap[key / 64] & (std::uint64_t{1} << (key % 64))) == 0) {
      continue;
    }
    for (std::size_t n = 0; n < names.size(); ++n) {
      const std::string_view name = names[n];
      if (at < next_allowed[n] || prefix(name) != key || !text.substr(at).starts_with(name)) {
        continue;
      }
      const std::size_t end = at + name.size();
      next_allowed[n] = end;
      const bool ascii_edges = is_ascii_alnum(static_cast<unsigned char>(name.front())) ||
                               is_ascii_alnum(static_cast<unsigned char>(name.back()));
      if (ascii_edges &&
          ((at > 0 && is_ascii_alnum(static_cast<unsigned char>(text[at - 1]))) ||
           (end < text.size() && is_ascii_alnum(static_cast<unsigned char>(text[end]))))) {
        continue;
      }
      out.push_back(Entity{type, at, end, kCoreferenceScore});
    }
  }
}

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }

// A capitalised word at `at` ("Olivia", "O'Brien", "Smith-Jones"): its length, or 0.
std::size_t capitalised_word(std::string_view text, std::size_t at) {
  if (at >= text.size() || !is_upper(text[at]) ||
      (at > 0 && is_ascii_alnum(static_cast<unsigned char>(text[at - 1])))) {
    return 0;
  }
  std::size_t end = at + 1;
  while (end < text.size() && (is_lower(text[end]) ||
                               ((text[end] == '\'' || text[end] == '-') && end + 1 < text.size() &&
                                is_ascii_alpha(static_cast<unsigned char>(text[end + 1]))))) {
    ++end;
    if (text[end - 1] == '\'' || text[end - 1] == '-') {
      ++end;
    }
  }
  if (end >= at + 3 && text.substr(end - 2, 2) == "'s") {
    end -= 2;  // possessive: "Maria's"
  }
  if (end < text.size() && is_upper(text[end]) && end - at >= 2 &&
      (text.substr(at, end - at) == "Mc" || text.substr(at, end - at) == "Mac")) {
    // "McDonald", "MacArthur"
    ++end;
    while (end < text.size() && is_lower(text[end])) {
      ++end;
    }
  }
  if (end < text.size() && is_ascii_alnum(static_cast<unsigned char>(text[end]))) {
    return 0;  // CamelCase identifiers are left alone
  }
  return end - at >= 2 ? end - at : 0;
}

// Words after which two capitalised words are a name ("landlord Ina Harmon", "负责人Roxie
// Sparks") and verbs before which they are ("Nell Buchanan said").
bool english_cue_before(std::string_view text, std::size_t at) {
  static constexpr std::array<std::string_view, 31> kCues{
      "by ",        "for ",   "with ",   "from ",  "to ",     "landlord ", "tenant ",    "contact ",
      "attention ", "Attn ",  "@",       "Dear ",  "Hi ",     "Hello ",    "Thanks ",    "cc ",
      "manager ",   "owner ", "holder ", "named ", "called ", "Patient ",  "Applicant ", "Guest ",
      "Passenger ", "Name: ", "name: ",  "name ",  "signed ", "Signed ",   ": "};
  for (std::string_view cue : kCues) {
    if (at >= cue.size() && text.substr(at - cue.size(), cue.size()) == cue) {
      return true;
    }
  }
  // A Chinese role word right before a Latin name: 收款人Ina Harmon, 联系人Douglas Hill.
  return at >= 3 && (text.substr(at - 3, 3) == "人" || text.substr(at - 3, 3) == "字" ||
                     text.substr(at - 3, 3) == "户" || text.substr(at - 3, 3) == "：");
}

bool english_cue_after(std::string_view text, std::size_t end) {
  static constexpr std::array<std::string_view, 10> kCues{" said",  " says",    " wrote", " asked",
                                                          " told",  " ordered", "'s ",    " called",
                                                          " will ", " has been"};
  for (std::string_view cue : kCues) {
    if (text.substr(end).starts_with(cue)) {
      return true;
    }
  }
  return false;
}

}  // namespace

void merge_spans(std::vector<std::pair<std::size_t, std::size_t>>& spans) {
  std::sort(spans.begin(), spans.end());
  std::size_t merged = 0;
  for (const auto& span : spans) {
    if (merged > 0 && span.first <= spans[merged - 1].second) {
      spans[merged - 1].second = std::max(spans[merged - 1].second, span.second);
    } else {
      spans[merged++] = span;
    }
  }
  spans.resize(merged);
}

void find_chinese_names(const Detector::Impl& impl, std::string_view text,
                        std::span<const LexiconHit> hits, std::vector<Entity>& out) {
  const TextModel& model = text_model();
  const std::size_t first_new = out.size();
  for (const LexiconHit& hit : hits) {
    if (hit.kind == LexiconKind::kNameBefore) {
      std::size_t at = skip_separators(text, hit.end);
      for (std::size_t listed = 0; listed < kMaxListedNames; ++listed) {
        const std::size_t length = name_after_cue(model, text, hits, at);
        // A two-character dictionary word next to a cue is what the cue is about (通知家长,
        // 家长联系).
        if (length == 0 || !not_a_word(model, text, hits, at, at + length) ||
            (length == 6 && common_word(model, text, at, 2))) {
          break;
        }
        out.push_back(Entity{impl.person_type, at, at + length, kNameScore});
        at += length;
        bool more = false;
        for (std::string_view joiner : {"、", "和", "与", "及", ",", "，"}) {
          if (starts_with_at(text, at, joiner)) {
            at += joiner.size();
            more = true;
            break;
          }
        }
        if (!more) {
          break;
        }
      }
    } else if (hit.kind == LexiconKind::kNameAfter) {
      const auto [start, end] = name_before_cue(model, text, hits, hit.start);
      if (end > start && not_a_word(model, text, hits, start, end) &&
          !(end - start == 6 && common_word(model, text, start, 2))) {
        out.push_back(Entity{impl.person_type, start, end, kNameScore});
      }
    }
  }
  // Weak cues and isolated runs: only names made of name characters.
  for (const LexiconHit& hit : hits) {
    if (hit.kind == LexiconKind::kNameBeforeWeak) {
      const std::size_t at = hit.end;
      const std::size_t length = name_after_cue(model, text, hits, at);
      if (length != 0 && plausible_name(model, text, hits, at, at + length, Evidence::kWeakCue)) {
        out.push_back(Entity{impl.person_type, at, at + length, kWeakNameScore});
      }
    } else if (hit.kind == LexiconKind::kNameAfterWeak) {
      const auto [start, end] = name_before_cue(model, text, hits, hit.start);
      if (end > start && plausible_name(model, text, hits, start, end, Evidence::kWeakCue)) {
        out.push_back(Entity{impl.person_type, start, end, kWeakNameScore});
      }
    }
  }
  // A run of 2-4 Han characters standing alone (between punctuation, spaces or Latin text,
  // as names do in forms, lists and mixed-language messages).
  for (std::size_t at = next_han_lead(text, 0); at < text.size(); at = next_han_lead(text, at)) {
    if (han_length_at(text, at) == 0 || han_length_before(text, at) != 0) {
      ++at;
      continue;
    }
    const std::size_t run = han_run_at(text, at, 5);
    const std::size_t end = at + 3 * run;
    // In Latin-script text ("contact 乔培, mobile ..."), a short Han run is a name if it
    // starts with a surname; elsewhere it must look like one.
    // A digit is no Latin context: units and counters follow numbers (5元券, 3号楼).
    const auto latin = [](unsigned char c) { return c < 0x80 && !is_ascii_digit(c); };
    const bool latin_left = at == 0 || latin(static_cast<unsigned char>(text[at - 1]));
    const bool latin_right = end >= text.size() || latin(static_cast<unsigned char>(text[end]));
    const Evidence evidence =
        latin_left && latin_right ? Evidence::kLatinContext : Evidence::kIsolated;
    const bool length_ok = run == 2 || run == 3 || (run == 4 && surname_at(model, text, at) == 6);
    if (length_ok && not_a_word(model, text, hits, at, end) &&
        plausible_name(model, text, hits, at, end, evidence)) {
      out.push_back(Entity{impl.person_type, at, end, kWeakNameScore});
    }
    at = end;
  }
  add_coreferences(text, impl.person_type, out, first_new);
  // Uncued three-character names where no name was found yet, then their other mentions.
  // The names found so far, merged into disjoint spans in text order.
  std::vector<std::pair<std::size_t, std::size_t>> taken;
  for (std::size_t i = first_new; i < out.size(); ++i) {
    taken.emplace_back(out[i].start, out[i].end);
  }
  merge_spans(taken);
  const std::size_t first_unmarked = out.size();
  std::size_t next_taken = 0;
  for (std::size_t at = next_han_lead(text, 0); at < text.size(); at = next_han_lead(text, at)) {
    if (han_length_at(text, at) == 0) {
      ++at;
      continue;
    }
    std::size_t length = unmarked_name_at(model, text, hits, at);
    if (length == 0) {
      length = unmarked_one_given_name_at(model, text, hits, at);
    }
    while (next_taken < taken.size() && taken[next_taken].second <= at) {
      ++next_taken;
    }
    if (length != 0 && (next_taken == taken.size() || taken[next_taken].first >= at + length)) {
      out.push_back(Entity{impl.person_type, at, at + length, kWeakNameScore});
      at += length;
    } else {
      at += 3;
    }
  }
  add_coreferences(text, impl.person_type, out, first_unmarked);
}

void find_english_names(const Detector::Impl& impl, std::string_view text,
                        std::vector<Entity>& out) {
  const TextModel& model = text_model();
  const std::size_t first_new = out.size();
  static constexpr std::array<std::string_view, 9> kTitles{"Mr",   "Mrs", "Ms",    "Miss", "Dr",
                                                           "Prof", "Sir", "Madam", "Mx"};
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t first = capitalised_word(text, at);
    if (first == 0) {
      // Only an upper-case letter starts a name: skip to the next one.
      ++at;
      while (at < text.size() && !is_upper(text[at])) {
        ++at;
      }
      continue;
    }
    const std::string_view word = text.substr(at, first);
    std::size_t next = at + first;
    const bool title = std::find(kTitles.begin(), kTitles.end(), word) != kTitles.end();
    if (title && next < text.size() && text[next] == '.') {
      ++next;
    }
    // A word on both lists (June, April, Name) is a given name only before a family name:
    // "June Carter", not "Name Addie Bowman".
    const auto family_next = [&] {
      const std::size_t second = next + 1 < text.size() ? capitalised_word(text, next + 1) : 0;
      return second != 0 && model.en_family.contains(text.substr(next + 1, second));
    };
    const bool given = !title && model.en_given.contains(word) &&
                       (!model.en_not_name.contains(word) || family_next());
    if ((title || given) && next + 1 < text.size() && text[next] == ' ') {
      std::size_t name_start = title ? next + 1 : at;
      std::size_t cursor = next + 1;
      std::size_t end = 0;
      // Middle initial ("John F. Kennedy") or a second given name ("Mary Ann Smith").
      if (cursor + 2 < text.size() && is_upper(text[cursor]) && text[cursor + 1] == '.' &&
          text[cursor + 2] == ' ') {
        cursor += 3;
      }
      const std::size_t second = capitalised_word(text, cursor);
      if (second != 0) {
        const std::string_view w2 = text.substr(cursor, second);
        if (!model.en_not_name.contains(w2)) {
          end = cursor + second;
          const std::size_t third_at = end + 1;
          const std::size_t third =
              end < text.size() && text[end] == ' ' ? capitalised_word(text, third_at) : 0;
          const std::string_view w3 =
              third != 0 ? text.substr(third_at, third) : std::string_view();
          if (third != 0 && !model.en_not_name.contains(w3) &&
              (title || (model.en_given.contains(w2) && model.en_family.contains(w3)))) {
            end = third_at + third;
          }
        } else if (title) {
          end = 0;
        }
      } else if (title) {
        end = 0;
      }
      if (end > name_start) {
        out.push_back(Entity{impl.person_type, name_start, end, kNameScore});
        at = end;
        continue;
      }
    }
    if (!title && !given && next + 1 < text.size() && text[next] == ' ') {
      const std::size_t second = capitalised_word(text, next + 1);
      const std::string_view w2 = second != 0 ? text.substr(next + 1, second) : std::string_view();
      const std::size_t end = next + 1 + second;
      if (second != 0 && !model.en_not_name.contains(word) && !model.en_not_name.contains(w2) &&
          (model.en_family.contains(w2) || english_cue_before(text, at) ||
           english_cue_after(text, end))) {
        out.push_back(Entity{impl.person_type, at, end, kWeakNameScore});
        at = end;
        continue;
      }
    }
    at += first;
  }
  add_coreferences(text, impl.person_type, out, first_new);
}

void find_admin_areas(const Detector::Impl& impl, std::span<const LexiconHit> hits,
                      std::vector<Entity>& out) {
  // Chains of adjacent province/city/district names; two or more make a location precise
  // enough to redact (广东省深圳市南山区), one alone does not.
  std::size_t i = 0;
  while (i < hits.size()) {
    const LexiconHit& first = hits[i];
    if (first.kind != LexiconKind::kProvince && first.kind != LexiconKind::kCity &&
        first.kind != LexiconKind::kDistrict) {
      ++i;
      continue;
    }
    std::size_t end = first.end;
    std::size_t units = 1;
    bool extended = true;
    while (extended) {
      extended = false;
      std::size_t best = end;
      for (auto it = hits_from(hits, end); it != hits.end() && it->start == end; ++it) {
        const LexiconHit& hit = *it;
        if (hit.end > best &&
            (hit.kind == LexiconKind::kCity || hit.kind == LexiconKind::kDistrict ||
             hit.kind == LexiconKind::kProvince)) {
          best = hit.end;
        }
      }
      if (best > end) {
        end = best;
        ++units;
        extended = true;
      }
    }
    if (units >= 2) {
      out.push_back(Entity{impl.address_zh_type, first.start, end, kAdminAreaScore});
    }
    ++i;
    while (i < hits.size() && hits[i].start < end) {
      ++i;
    }
  }
}

}  // namespace chitin::privacy
