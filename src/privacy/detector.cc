#include "privacy/detector.h"

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <set>

#include "privacy/database_cache.h"
#include "privacy/detector_impl.h"
#include "privacy/text.h"

// The type tables use designated initialisers and rely on EntityType's default member
// initialisers for the fields a type leaves out; GCC 12 still warns about those (fixed in
// GCC 13, PR 96868), so the warning is off in the files that build types.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace chitin::privacy {

namespace {

// Words that make a bare number an order, tracking or invoice number rather than personal
// data (weak_number types, i.e. numbers without a strong checksum).
constexpr auto kNumberNegatives = std::to_array<std::string_view>(
    {"订单", "单号", "编号", "流水", "批次", "序列号", "工单", "发票", "快递", "运单", "物流",
     "条码", "型号", "版本", "交易号", "order", "tracking", "invoice", "serial", "ref", "batch",
     "sku", "ticket", "txn", "transaction", "shipment", "barcode", "version", "build", "timestamp",
     "time", "时间戳", "金额", "amount",
     // "order number: 138…" is right in front as a whole, though "order" alone is not.
     "order number", "order no", "tracking number", "invoice number", "ref no"});

constexpr std::size_t kNegativeBefore = 24;
constexpr float kRecordFieldScore = 0.7F;
// Pattern matches kept per detect() call before it fails closed (a flood of digits makes
// every numeric pattern match at every position; memory must stay bounded).
constexpr std::size_t kMaxRawMatches = 4'000'000;
// Longest match of a type that requires context (dates of birth, IDs with separators).
constexpr std::size_t kMaxContextualMatchBytes = 64;

std::string escape_literal(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_ascii_alnum(byte) || byte >= 0x80) {
      out.push_back(c);
    } else {
      out += fmt::format("\\x{:02x}", byte);
    }
  }
  return out;
}

// The boundary of a type, written into its pattern as one byte on each side: Vectorscan then
// reports only matches that stand alone, instead of every sub-run of every digit run (a
// 9-digit shape matches ten times inside an 18-digit ID). Scans run over the text between
// two sentinel bytes so that the first and last byte of the text have a neighbour.
// kDotted's extra rule (not between dotted numbers) stays in boundary_ok().
std::string with_boundary(const std::string& pattern, Boundary boundary) {
  std::string_view outside;
  switch (boundary) {
    case Boundary::kNone:
      return pattern;
    case Boundary::kDigit:
      outside = "[^0-9]";
      break;
    case Boundary::kAlnum:
    case Boundary::kDotted:
    case Boundary::kHostPort:
      outside = "[^A-Za-z0-9]";
      break;
    case Boundary::kToken:
      outside = "[^A-Za-z0-9_\\-]";
      break;
  }
  return fmt::format("{}(?:{}){}", outside, pattern, outside);
}

bool boundary_ok(Boundary boundary, std::string_view text, std::size_t start, std::size_t end) {
  const auto before = start > 0 ? static_cast<unsigned char>(text[start - 1]) : 0U;
  const auto after = end < text.size() ? static_cast<unsigned char>(text[end]) : 0U;
  switch (boundary) {
    case Boundary::kNone:
      return true;
    case Boundary::kDigit:
      return !is_ascii_digit(before) && !is_ascii_digit(after);
    case Boundary::kAlnum:
      return !is_ascii_alnum(before) && !is_ascii_alnum(after);
    case Boundary::kToken:
      return !is_ascii_alnum(before) && !is_ascii_alnum(after) && before != '_' && after != '_' &&
             before != '-' && after != '-';
    case Boundary::kDotted:
    case Boundary::kHostPort: {
      if (is_ascii_alnum(before) || is_ascii_alnum(after)) {
        return false;
      }
      const bool digit_before = start >= 2 && is_ascii_digit(text[start - 2]);
      const bool digit_after = end + 1 < text.size() && is_ascii_digit(text[end + 1]);
      if ((before == '.' || before == ':') && digit_before) {
        return false;
      }
      // A port may follow a host (10.0.0.5:5432); a longer dotted or colon run may not,
      // neither after the host nor after its port (10.0.0.5:5432:1).
      std::size_t next = end;
      if (boundary == Boundary::kHostPort && after == ':' && digit_after) {
        std::size_t digits = 0;
        for (++next; next < text.size() && is_ascii_digit(static_cast<unsigned char>(text[next]));
             ++next) {
          ++digits;
        }
        if (digits > 5 ||
            (next < text.size() && is_ascii_alpha(static_cast<unsigned char>(text[next])))) {
          return false;
        }
      }
      const auto following = next < text.size() ? static_cast<unsigned char>(text[next]) : 0U;
      const bool digit_following =
          next + 1 < text.size() && is_ascii_digit(static_cast<unsigned char>(text[next + 1]));
      return !((following == '.' || following == ':') && digit_following);
    }
  }
  return true;
}

std::string_view window(std::string_view text, std::size_t start, std::size_t end,
                        std::size_t before, std::size_t after) {
  const std::size_t from = utf8_char_start(text, start > before ? start - before : 0);
  const std::size_t to = std::min(text.size(), end + after);
  return text.substr(from, to - from);
}

// A context word right after the match ("1982年3月17日出生", "（男，1982年3月17日生）"); a
// one-character word only when no Han character follows it (生效 is "takes effect").
bool context_follows(const EntityType& type, std::string_view text, std::size_t end) {
  while (end < text.size() && text[end] == ' ') {
    ++end;
  }
  const std::string_view after = text.substr(end);
  return std::any_of(type.context_follow.begin(), type.context_follow.end(),
                     [&](const std::string& word) {
                       return ascii_lowercase(after.substr(0, word.size())) == word &&
                              (han_length_at(word, 0) != word.size() ||
                               han_length_at(text, end + word.size()) == 0);
                     });
}

bool has_context(const EntityType& type, std::string_view text, std::size_t start,
                 std::size_t end) {
  if (context_follows(type, text, end)) {
    return true;
  }
  const std::string_view near = window(text, start, end, type.context_before, type.context_after);
  for (const std::string& word : type.context) {
    if (find_word_folded(near, word, false) == std::string_view::npos) {
      continue;
    }
    if (!type.context_adjacent) {
      return true;
    }
    // The word must belong to this match: no other number between them ("生于1990-01-01，
    // 预约日期2025-03-01": the second date is not a birth date).
    const std::size_t match_in_near = start - static_cast<std::size_t>(near.data() - text.data());
    // Only words before the match count here (the nearest one).
    const std::size_t at = find_word_folded(near.substr(0, match_in_near), word, true);
    if (at == std::string_view::npos) {
      continue;
    }
    // 生于 after 先 is "Mr. … on" (王先生于2020年逝世), not "born on".
    if (std::string_view(word).starts_with("生") && at >= 3 && near.substr(at - 3, 3) == "先") {
      continue;
    }
    const std::string_view between =
        near.substr(at + word.size(), match_in_near - at - word.size());
    if (std::none_of(between.begin(), between.end(),
                     [](char c) { return is_ascii_digit(static_cast<unsigned char>(c)); })) {
      return true;
    }
  }
  return false;
}

// A negative word (order, 编号...) before a number: within kNegativeBefore bytes for weak
// numbers, or right in front (at most kNegativeAdjacent bytes between) for numbers with a
// checksum. ASCII words must stand alone ("ref" is not in "refund").
bool near_number_negative(std::string_view text, std::size_t start, bool weak) {
  constexpr std::size_t kNegativeAdjacent = 6;
  const std::string_view near = window(text, start, start, kNegativeBefore, 0);
  const std::string lower = ascii_lowercase(near);
  for (std::string_view word : kNumberNegatives) {
    for (std::size_t at = lower.find(word); at != std::string::npos;
         at = lower.find(word, at + 1)) {
      const std::size_t end = at + word.size();
      const bool ascii = is_ascii_alpha(static_cast<unsigned char>(word.front()));
      if (ascii &&
          ((at > 0 && is_ascii_alpha(static_cast<unsigned char>(lower[at - 1]))) ||
           (end < lower.size() && is_ascii_alpha(static_cast<unsigned char>(lower[end]))))) {
        continue;
      }
      if (weak || near.size() - end <= kNegativeAdjacent) {
        return true;
      }
    }
  }
  return false;
}

// 12 bytes: offsets fit in 32 bits (detect() takes at most kMaxDetectBytes), which keeps the
// sort of millions of candidates in cache.
struct Raw {
  std::uint32_t id;
  std::uint32_t from;
  std::uint32_t to;
};
static_assert(kMaxDetectBytes <= UINT32_MAX);

struct ScanContext {
  const Detector::Impl* impl;
  std::vector<Raw> raws;
  std::vector<LexiconHit> hits;
  std::size_t text_size = 0;
  std::size_t window_start = 0;  // sentinel-buffer offset of the window being scanned
  bool overflow = false;
};

// Scans see the text between two sentinel bytes (buffer offset = text offset + 1). A pattern
// with its boundary written in matches one byte more on each side.
Raw to_text_offsets(const ScanContext& scan, std::uint32_t type, bool wrapped,
                    unsigned long long from, unsigned long long to) {
  from += scan.window_start;
  to += scan.window_start;
  if (wrapped) {
    ++from;
    --to;
  }
  // A pattern without a boundary may take in a sentinel: clamp to the text.
  const std::size_t start = from > 0 ? static_cast<std::size_t>(from) - 1 : 0;
  const std::size_t end = std::min(scan.text_size, to > 0 ? static_cast<std::size_t>(to) - 1 : 0);
  return Raw{type, static_cast<std::uint32_t>(std::min(start, end)),
             static_cast<std::uint32_t>(end)};
}

// Keeps a pattern match; stops the scan at the candidate limit.
int keep_raw(ScanContext& scan, std::uint32_t type, bool wrapped, unsigned long long from,
             unsigned long long to) {
  if (scan.raws.size() >= kMaxRawMatches) {
    scan.overflow = true;
    return 1;
  }
  scan.raws.push_back(to_text_offsets(scan, type, wrapped, from, to));
  return 0;
}

int on_builtin_match(unsigned id, unsigned long long from, unsigned long long to,
                     unsigned /*flags*/, void* context) {
  auto& scan = *static_cast<ScanContext*>(context);
  if (id >= scan.impl->literal_base) {
    const std::size_t index = id - scan.impl->literal_base;
    // A context word's boundary byte may be a sentinel: its hit is clamped to the text.
    const std::size_t end = std::min(static_cast<std::size_t>(to) - 1, scan.text_size);
    const std::size_t length = scan.impl->literal_length[index];
    scan.hits.push_back(
        LexiconHit{scan.impl->literal_kind[index], end > length ? end - length : 0, end});
    return 0;
  }
  if (scan.raws.size() + scan.hits.size() >= kMaxRawMatches) {
    scan.overflow = true;
    return 1;
  }
  scan.raws.push_back(to_text_offsets(scan, scan.impl->pattern_type[id],
                                      scan.impl->pattern_wrapped[id] != 0, from, to));
  return 0;
}

int on_context_match(unsigned id, unsigned long long from, unsigned long long to,
                     unsigned /*flags*/, void* context) {
  auto& scan = *static_cast<ScanContext*>(context);
  return keep_raw(scan, scan.impl->context_pattern_type[id],
                  scan.impl->context_pattern_wrapped[id] != 0, from, to);
}

int on_user_match(unsigned id, unsigned long long from, unsigned long long to, unsigned /*flags*/,
                  void* context) {
  auto& scan = *static_cast<ScanContext*>(context);
  return keep_raw(scan, scan.impl->user_pattern_type[id], false, from, to);
}

// Overlapping entities: strong ones (score >= 0.9: checksums, provider formats) before weak
// ones (names, addresses, organisations), then the longer (a webhook URL over the digits
// inside it), then the higher score. A later entity that overlaps chosen ones keeps its
// largest uncovered piece, so "拨打010-12345678联系某某有限公司" yields both the phone and the
// company rather than one swallowing the other.
std::vector<Entity> resolve_overlaps(std::vector<Entity> entities) {
  constexpr float kStrong = 0.9F;
  constexpr std::size_t kMinPieceBytes = 4;
  std::sort(entities.begin(), entities.end(), [](const Entity& a, const Entity& b) {
    const bool a_strong = a.score >= kStrong;
    const bool b_strong = b.score >= kStrong;
    if (a_strong != b_strong) {
      return a_strong;
    }
    if (a.end - a.start != b.end - b.start) {
      return a.end - a.start > b.end - b.start;
    }
    if (a.score != b.score) {
      return a.score > b.score;
    }
    return a.start < b.start;
  });
  std::map<std::size_t, Entity> chosen;  // by start
  for (Entity entity : entities) {
    // Uncovered pieces of [start, end) between the chosen entities it overlaps.
    std::size_t best_start = 0;
    std::size_t best_end = 0;
    std::size_t cursor = entity.start;
    auto it = chosen.lower_bound(entity.start);
    if (it != chosen.begin() && std::prev(it)->second.end > entity.start) {
      --it;
    }
    bool overlapped = false;
    for (; it != chosen.end() && it->second.start < entity.end; ++it) {
      overlapped = true;
      if (it->second.start > cursor && it->second.start - cursor > best_end - best_start) {
        best_start = cursor;
        best_end = it->second.start;
      }
      cursor = std::max(cursor, it->second.end);
    }
    if (entity.end > cursor && entity.end - cursor > best_end - best_start) {
      best_start = cursor;
      best_end = entity.end;
    }
    if (best_end - best_start < (overlapped ? kMinPieceBytes : 1)) {
      continue;
    }
    entity.start = best_start;
    entity.end = best_end;
    chosen.emplace(entity.start, entity);
  }
  std::vector<Entity> out;
  out.reserve(chosen.size());
  for (auto& [start, entity] : chosen) {
    out.push_back(entity);
  }
  return out;
}

// Vectorscan 5.4.9 (Debian 12) aborts the process inside hs_scan ("buffer overflow
// detected", a fortified snprintf in the library) for start-of-match patterns that begin with
// one literal character repeated without bound and then a literal ("a+b", "1{1,}2", "(?:a)+b")
// once the input holds a few hundred of that character. Such user patterns are refused; every
// built-in pattern is checked by the same rule in a unit test.
Result<void> check_vectorscan_som_hazard(std::string_view regex) {
  // Where the pattern can begin matching: its start, and inside groups and alternatives
  // that themselves begin there ("(?:a)+b", "x|a+b", "(?i)a+b"); not after a literal ("xa+b").
  std::vector<bool> begins(regex.size() + 1, false);
  std::vector<bool> group_begins{true};  // per open group: did it begin at a start?
  begins[0] = true;
  for (std::size_t i = 0; i < regex.size(); ++i) {
    if (regex[i] == '\\') {
      ++i;
      continue;
    }
    if (regex.substr(i).starts_with("(?")) {
      const std::size_t close = regex.find(')', i);
      const std::string_view flags =
          close == std::string_view::npos ? std::string_view() : regex.substr(i + 2, close - i - 2);
      if (!flags.empty() && std::all_of(flags.begin(), flags.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || c == '-';
          })) {
        begins[close + 1] = begins[i];
        i = close;
        continue;
      }
    }
    if (regex[i] == '(') {
      group_begins.push_back(begins[i]);
      begins[i + 1] = begins[i];
    } else if (regex[i] == ')' && group_begins.size() > 1) {
      group_begins.pop_back();
    } else if (regex[i] == '|') {
      begins[i + 1] = group_begins.back();
    }
  }
  const auto starts_alternative = [&](std::size_t at) { return begins[at]; };
  for (std::size_t at = 0; at < regex.size(); ++at) {
    if (!starts_alternative(at)) {
      continue;
    }
    std::size_t atom = at;
    while (atom < regex.size() && regex.substr(atom).starts_with("(?:")) {
      atom += 3;
    }
    std::size_t length = 0;
    if (atom < regex.size() && regex[atom] == '\\' && atom + 1 < regex.size()) {
      const char escaped = regex[atom + 1];
      const bool is_class = std::string_view("dDsSwWbB").find(escaped) != std::string_view::npos;
      length = is_class ? 0 : (escaped == 'x' ? 4 : 2);
    } else if (atom < regex.size() &&
               std::string_view("()[]|.^$?*+{").find(regex[atom]) == std::string_view::npos) {
      length = 1;
    } else if (regex.substr(atom).starts_with("[") && regex.size() > atom + 2 &&
               regex[atom + 2] == ']' && regex[atom + 1] != '^') {
      length = 3;  // [a]
    }
    if (length == 0) {
      continue;
    }
    std::size_t after = atom + length;
    while (after < regex.size() && regex[after] == ')') {
      ++after;
    }
    const std::string_view rest = regex.substr(std::min(after, regex.size()));
    const bool unbounded = rest.starts_with("+") ||
                           (rest.starts_with("{") && rest.find(",}") != std::string_view::npos &&
                            rest.find(",}") < rest.find('}') + 1);
    if (unbounded) {
      return fail(ErrorCode::kInvalidInput,
                  "it starts with one character repeated without bound ('{}'), which crashes "
                  "this Vectorscan version during scans; put a literal before it or bound the "
                  "repeat (e.g. {{1,64}})",
                  regex.substr(at, std::min<std::size_t>(12, regex.size() - at)));
    }
  }
  return {};
}

// Words before a date that make it some other date (预约日期 2021-01-09, issued 2003-05-01).
// 于 too: a date after it is an event's (王先生于1998年7月22日逝世); 生于 is context and
// found by the main pass.
constexpr auto kOtherDateWords = std::to_array<std::string_view>(
    {"日期", "时间",   "预约",  "到检",  "入职",    "签发",    "有效",
     "截止", "办理",   "登记",  "于",    "date",    "issued",  "expir",
     "due",  "joined", "since", "until", "updated", "created", "valid"});
constexpr std::size_t kOtherDateWordBefore = 16;
// Events dated right after the date (2001年6月毕业, 1998年7月22日逝世).
constexpr auto kEventWordsAfter =
    std::to_array<std::string_view>({"逝世", "去世", "病逝", "成立", "毕业", "入学", "入职", "离职",
                                     "结婚", "到期", "截止", "签订", "注册"});
constexpr std::size_t kOtherDateWordAfter = 12;
constexpr std::size_t kRecordReach = 160;  // bytes either side of a name, within its line
constexpr int kRecordMinAge = 10;          // years: younger "birth dates" are other dates

// The four-digit year in a date match, or 0.
int year_of(std::string_view date) {
  for (std::size_t i = 0; i < date.size();) {
    std::size_t j = i;
    while (j < date.size() && is_ascii_digit(static_cast<unsigned char>(date[j]))) {
      ++j;
    }
    if (j - i == 4) {
      return (date[i] - '0') * 1000 + (date[i + 1] - '0') * 100 + (date[i + 2] - '0') * 10 +
             (date[i + 3] - '0');
    }
    i = j == i ? i + 1 : j;
  }
  return 0;
}

// Records (roster rows, CSV lines, passenger lists, the text of an ID card) carry no context
// words, but their fields sit in a line that names a person: a match of a record type within
// kRecordReach bytes of a name on its line counts without context. A date of birth must also
// be at least kRecordMinAge years back with no other-date word (预约, issued) right before
// it; other old dates in such lines (a hire date in 1998) are redacted too, as dates of birth:
// they are personal data as well.
Result<void> find_record_fields(const Detector::Impl& impl, std::string_view text,
                                const std::string& buffer, hs_scratch_t* scratch,
                                std::vector<Entity>& entities) {
  std::vector<std::pair<std::size_t, std::size_t>> windows;
  for (const Entity& entity : entities) {
    if (entity.type != impl.person_type) {
      continue;
    }
    // The line, looked for only within reach: a long line of many names stays linear.
    const std::size_t reach_from = entity.start > kRecordReach ? entity.start - kRecordReach : 0;
    const std::size_t reach_to = std::min(text.size(), entity.end + kRecordReach);
    const std::size_t newline_before =
        text.substr(reach_from, entity.start - reach_from).rfind('\n');
    const std::size_t newline_after = text.substr(entity.end, reach_to - entity.end).find('\n');
    const std::size_t from =
        newline_before == std::string_view::npos ? reach_from : reach_from + newline_before + 1;
    const std::size_t to =
        newline_after == std::string_view::npos ? reach_to : entity.end + newline_after;
    windows.emplace_back(from, to);
  }
  if (windows.empty() || !impl.record_database) {
    return {};
  }
  merge_spans(windows);
  ScanContext scan{&impl, {}, {}, text.size()};
  for (const auto& [from, to] : windows) {
    scan.window_start = from;
    const hs_error_t status =
        hs_scan(impl.record_database.get(), buffer.data() + from,
                static_cast<unsigned>(to + 2 - from), 0, scratch, on_context_match, &scan);
    if (status != HS_SUCCESS && status != HS_SCAN_TERMINATED) {
      return fail(ErrorCode::kInternal, "Vectorscan scan failed with status {}", status);
    }
  }
  if (scan.overflow) {
    return fail(ErrorCode::kLimitExceeded,
                "more than {} candidate matches around the names in {} bytes; the text was not "
                "processed",
                kMaxRawMatches, text.size());
  }
  // What the main pass found already (with context) is not added twice.
  std::set<std::pair<std::uint32_t, std::size_t>> found;
  for (const Entity& entity : entities) {
    found.emplace(entity.type, entity.start);
  }
  const int this_year = current_year();
  for (const Raw& raw : scan.raws) {
    const EntityType& type = impl.types[raw.id];
    const Validator validator = impl.validators[raw.id];
    const std::string_view match = text.substr(raw.from, raw.to - raw.from);
    // Number-shaped fields still yield to an order or tracking word (订单号 S2024001); dates
    // have their own other-date words below.
    if (type.record == RecordField::kNo || !boundary_ok(type.boundary, text, raw.from, raw.to) ||
        (validator != nullptr && !validator(match)) || found.contains({raw.id, raw.from}) ||
        (type.record == RecordField::kYes && near_number_negative(text, raw.from, true))) {
      continue;
    }
    if (type.record == RecordField::kBirthDate) {
      const int year = year_of(match);
      const std::string before =
          ascii_lowercase(window(text, raw.from, raw.from, kOtherDateWordBefore, 0));
      const std::string_view after = text.substr(raw.to, kOtherDateWordAfter);
      const auto in = [](std::string_view near, std::span<const std::string_view> words) {
        return std::any_of(words.begin(), words.end(), [&](std::string_view word) {
          return near.find(word) != std::string_view::npos;
        });
      };
      if (year == 0 || year > this_year - kRecordMinAge || in(before, kOtherDateWords) ||
          in(after, kEventWordsAfter)) {
        continue;
      }
    }
    entities.push_back(Entity{raw.id, raw.from, raw.to, kRecordFieldScore});
  }
  return {};
}

}  // namespace

Result<void> check_pattern(std::string_view regex, bool caseless) {
  CHITIN_RETURN_IF_ERROR(check_vectorscan_som_hazard(regex));
  const PatternSet set{{std::string(regex)},
                       {HS_FLAG_SOM_LEFTMOST | (caseless ? HS_FLAG_CASELESS : 0U)},
                       {0},
                       [](unsigned) { return std::string("the pattern"); }};
  CHITIN_TRY(compile_patterns(set));
  return {};
}

Detector::Detector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Detector::~Detector() = default;

std::span<const EntityType> Detector::types() const { return impl_->types; }

Result<std::unique_ptr<Detector>> Detector::create(DetectorOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->min_score = options.min_score;
  const auto catalog = builtin_catalog();
  impl->types.assign(catalog.begin(), catalog.end());
  // User types: one EntityType per distinct name.
  std::map<std::string, std::uint32_t> user_index;
  auto user_type = [&](const std::string& id, std::string_view origin) -> Result<std::uint32_t> {
    if (auto it = user_index.find(id); it != user_index.end()) {
      return it->second;
    }
    CHITIN_RETURN_IF_ERROR(check_user_type_id(id));
    if (user_index.size() >= kMaxUserTypes) {
      return fail(ErrorCode::kLimitExceeded, "more than {} user-defined types; merge some",
                  kMaxUserTypes);
    }
    const auto index = static_cast<std::uint32_t>(impl->types.size());
    impl->types.push_back({.id = id,
                           .label = id,
                           .category = "user",
                           .regions = "user",
                           .description = std::string(origin),
                           .score = 0.9F,
                           .boundary = Boundary::kNone,
                           .builtin = false});
    user_index.emplace(id, index);
    return index;
  };
  std::vector<DictionaryTerm> terms;
  for (UserDictionary& dictionary : options.dictionaries) {
    const std::uint32_t type = CHITIN_TRY(user_type(dictionary.type, "user dictionary"));
    for (std::string& term : dictionary.terms) {
      terms.push_back(DictionaryTerm{std::move(term), type});
    }
  }
  impl->dictionary = CHITIN_TRY(Dictionary::build(std::move(terms)));
  std::vector<std::string> user_expressions;
  std::vector<unsigned> user_flags;
  std::vector<unsigned> user_ids;
  for (const UserPattern& pattern : options.patterns) {
    if (pattern.regex.empty() || pattern.regex.size() > kMaxUserPatternBytes) {
      return fail(ErrorCode::kInvalidInput,
                  "the pattern of type {} is empty or longer than {} bytes; shorten it",
                  pattern.type, kMaxUserPatternBytes);
    }
    if (pattern.regex.find('\0') != std::string::npos) {
      return fail(ErrorCode::kInvalidInput, "the pattern of type {} contains a NUL byte",
                  pattern.type);
    }
    if (auto hazard = check_vectorscan_som_hazard(pattern.regex); !hazard) {
      return fail(ErrorCode::kInvalidInput, "the pattern of type {} is refused: {}", pattern.type,
                  hazard.error().message);
    }
    const std::uint32_t type = CHITIN_TRY(user_type(pattern.type, "user pattern"));
    if (!pattern.validator.empty()) {
      if (find_validator(pattern.validator) == nullptr) {
        return fail(ErrorCode::kInvalidInput,
                    "type {} names the unknown validator '{}'; see `chitin privacy types "
                    "--validators`",
                    pattern.type, pattern.validator);
      }
      impl->types[type].validator = pattern.validator;
    }
    impl->types[type].pattern = pattern.regex;
    user_ids.push_back(static_cast<unsigned>(impl->user_pattern_type.size()));
    impl->user_pattern_type.push_back(type);
    user_expressions.push_back(pattern.regex);
    user_flags.push_back(HS_FLAG_SOM_LEFTMOST);
  }
  impl->validators.resize(impl->types.size(), nullptr);
  for (std::size_t i = 0; i < impl->types.size(); ++i) {
    const EntityType& type = impl->types[i];
    if (!type.validator.empty()) {
      const NamedValidator* validator = find_validator(type.validator);
      if (validator == nullptr) {
        return fail(ErrorCode::kInternal, "type {} names the unknown validator {}", type.id,
                    type.validator);
      }
      impl->validators[i] = validator->check;
    }
    if (type.id == "PERSON") {
      impl->person_type = static_cast<std::uint32_t>(i);
    } else if (type.id == "ADDRESS_ZH") {
      impl->address_zh_type = static_cast<std::uint32_t>(i);
    }
  }
  // Built-in database: every built-in pattern (start of match wanted), then the lexicon
  // literals (their length gives the start).
  PatternSet builtin;
  std::vector<std::string>& expressions = builtin.expressions;
  std::vector<unsigned>& flags = builtin.flags;
  std::vector<unsigned>& ids = builtin.ids;
  PatternSet contextual;
  PatternSet records;  // the contextual types that record lines take, by the same ids
  std::set<std::string> context_words;
  for (std::size_t i = 0; i < catalog.size(); ++i) {
    const EntityType& type = catalog[i];
    if (type.pattern.empty()) {
      continue;
    }
    const unsigned flag = HS_FLAG_SOM_LEFTMOST | (type.caseless ? HS_FLAG_CASELESS : 0U);
    if (type.context_required && !type.context.empty()) {
      contextual.ids.push_back(static_cast<unsigned>(impl->context_pattern_type.size()));
      impl->context_pattern_type.push_back(static_cast<std::uint32_t>(i));
      impl->context_pattern_wrapped.push_back(type.boundary == Boundary::kNone ? 0 : 1);
      contextual.expressions.push_back(with_boundary(type.pattern, type.boundary));
      contextual.flags.push_back(flag);
      if (type.record != RecordField::kNo) {
        records.ids.push_back(contextual.ids.back());
        records.expressions.push_back(contextual.expressions.back());
        records.flags.push_back(flag);
      }
      context_words.insert(type.context.begin(), type.context.end());
      // A follow word must also open a window: itself, or for one Han character the way a
      // date ends before it ("5生", "日生"), which is rare enough to scan around.
      // Han ones only where a date ends before them ("5生的", "日的生日"): 生的 alone is in
      // every 学生的.
      for (const std::string& word : type.context_follow) {
        if (han_length_at(word, 0) == 0) {
          context_words.insert(word);
          continue;
        }
        for (const char* ending : {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "日"}) {
          context_words.insert(ending + word);
          context_words.insert(ending + (" " + word));
        }
      }
      impl->context_window = std::max<std::size_t>(
          impl->context_window, std::max(type.context_before, type.context_after));
      continue;
    }
    ids.push_back(static_cast<unsigned>(impl->pattern_type.size()));
    impl->pattern_type.push_back(static_cast<std::uint32_t>(i));
    impl->pattern_wrapped.push_back(type.boundary == Boundary::kNone ? 0 : 1);
    expressions.push_back(with_boundary(type.pattern, type.boundary));
    flags.push_back(flag);
  }
  // Room for the longest contextual match beyond the context distance.
  impl->context_window += kMaxContextualMatchBytes;
  impl->literal_base = static_cast<std::uint32_t>(impl->pattern_type.size());
  auto add_literal = [&](const std::string& text, LexiconKind kind, unsigned flag) {
    ids.push_back(static_cast<unsigned>(impl->literal_base + impl->literal_kind.size()));
    impl->literal_kind.push_back(kind);
    impl->literal_length.push_back(static_cast<std::uint32_t>(text.size()));
    expressions.push_back(escape_literal(text));
    flags.push_back(flag);
  };
  for (const LexiconLiteral& literal : text_model().literals) {
    add_literal(literal.text, literal.kind, 0);
  }
  // Context words match case-insensitively and as words, as has_context() compares them
  // (find_word_folded): "id" in "video" opened a window in most English lines. The boundary
  // bytes may shift the hit by a byte or two, which only opens a window with a margin.
  for (const std::string& word : context_words) {
    const bool letter_first = is_ascii_alpha(static_cast<unsigned char>(word.front()));
    const bool letter_last = is_ascii_alpha(static_cast<unsigned char>(word.back()));
    ids.push_back(static_cast<unsigned>(impl->literal_base + impl->literal_kind.size()));
    impl->literal_kind.push_back(LexiconKind::kContextWord);
    impl->literal_length.push_back(static_cast<std::uint32_t>(word.size()));
    expressions.push_back((letter_first ? "[^A-Za-z]" : "") + escape_literal(word) +
                          (letter_last ? "(?:s?[^A-Za-z])" : ""));
    flags.push_back(HS_FLAG_CASELESS);
  }
  const Impl* raw_impl = impl.get();
  builtin.describe = [&](unsigned index) {
    return index < raw_impl->literal_base
               ? "built-in type " + catalog[raw_impl->pattern_type[index]].id
               : "lexicon literal " + std::to_string(index);
  };
  impl->database = CHITIN_TRY(load_or_compile(builtin, options.cache_dir));
  contextual.describe = [&](unsigned index) {
    return "built-in type " + catalog[raw_impl->context_pattern_type[index]].id;
  };
  impl->context_database = CHITIN_TRY(load_or_compile(contextual, options.cache_dir));
  if (!records.expressions.empty()) {
    records.describe = [&](unsigned index) {
      return "built-in type " + catalog[raw_impl->context_pattern_type[records.ids[index]]].id;
    };
    impl->record_database = CHITIN_TRY(load_or_compile(records, options.cache_dir));
  }
  if (!user_expressions.empty()) {
    const PatternSet user{user_expressions, user_flags, user_ids, [&](unsigned index) {
                            return fmt::format(
                                "the pattern of type {} ('{}')",
                                raw_impl->types[raw_impl->user_pattern_type[index]].id,
                                user_expressions[index].substr(0, 80));
                          }};
    impl->user_database = CHITIN_TRY(load_or_compile(user, options.cache_dir));
  }
  return std::make_unique<Detector>(std::move(impl));
}

Result<std::vector<Entity>> Detector::detect(std::string_view text) const {
  if (text.size() > kMaxDetectBytes) {
    return fail(ErrorCode::kLimitExceeded,
                "{} bytes are more than one detection pass takes ({}); stream the input",
                text.size(), kMaxDetectBytes);
  }
  const Impl& impl = *impl_;
  HsScratch scratch;
  {
    const std::lock_guard lock(impl.scratch_mu);
    if (!impl.scratch_pool.empty()) {
      scratch = std::move(impl.scratch_pool.back());
      impl.scratch_pool.pop_back();
    }
  }
  if (!scratch) {
    hs_scratch_t* raw = nullptr;
    if (hs_alloc_scratch(impl.database.get(), &raw) != HS_SUCCESS ||
        hs_alloc_scratch(impl.context_database.get(), &raw) != HS_SUCCESS ||
        (impl.record_database &&
         hs_alloc_scratch(impl.record_database.get(), &raw) != HS_SUCCESS) ||
        (impl.user_database && hs_alloc_scratch(impl.user_database.get(), &raw) != HS_SUCCESS)) {
      hs_free_scratch(raw);
      return fail(ErrorCode::kInternal, "cannot allocate Vectorscan scratch space");
    }
    scratch.reset(raw);
  }
  ScanContext scan{&impl, {}, {}, text.size()};
  std::string buffer;
  buffer.reserve(text.size() + 2);
  buffer.push_back('\n');
  buffer.append(text);
  buffer.push_back('\n');
  scan.raws.reserve(text.size() / 16);  // typical candidate density; avoids regrowth copies
  scan.hits.reserve(text.size() / 32);
  const auto length = static_cast<unsigned>(buffer.size());
  hs_error_t status = hs_scan(impl.database.get(), buffer.data(), length, 0, scratch.get(),
                              on_builtin_match, &scan);
  if (status == HS_SUCCESS && impl.user_database) {
    // User patterns see the text itself, so that their ^ and $ anchor at its ends.
    scan.window_start = 1;
    status = hs_scan(impl.user_database.get(), text.data(), static_cast<unsigned>(text.size()), 0,
                     scratch.get(), on_user_match, &scan);
  }
  std::sort(scan.hits.begin(), scan.hits.end(), [](const LexiconHit& a, const LexiconHit& b) {
    return a.start != b.start ? a.start < b.start : a.end > b.end;
  });
  // Types that need a context word: scan only the merged windows around those words.
  std::vector<std::pair<std::size_t, std::size_t>> windows;
  for (const LexiconHit& hit : scan.hits) {
    if (hit.kind != LexiconKind::kContextWord) {
      continue;
    }
    const std::size_t from = hit.start > impl.context_window ? hit.start - impl.context_window : 0;
    const std::size_t to = std::min(text.size(), hit.end + impl.context_window);
    if (!windows.empty() && from <= windows.back().second) {
      windows.back().second = std::max(windows.back().second, to);
    } else {
      windows.emplace_back(from, to);
    }
  }
  for (const auto& [from, to] : windows) {
    if (status != HS_SUCCESS) {
      break;
    }
    // In the sentinel buffer: from the byte before the window to the byte after it.
    scan.window_start = from;
    status =
        hs_scan(impl.context_database.get(), buffer.data() + from,
                static_cast<unsigned>(to + 2 - from), 0, scratch.get(), on_context_match, &scan);
  }
  if (scan.overflow) {
    return fail(ErrorCode::kLimitExceeded,
                "more than {} candidate matches in {} bytes (a flood of digits or repeated "
                "tokens?); the text was not processed",
                kMaxRawMatches, text.size());
  }
  if (status != HS_SUCCESS && status != HS_SCAN_TERMINATED) {
    return fail(ErrorCode::kInternal, "Vectorscan scan failed with status {}", status);
  }

  std::vector<Entity> entities;
  // Pattern candidates: for each (type, start), the longest end that passes wins.
  std::sort(scan.raws.begin(), scan.raws.end(), [](const Raw& a, const Raw& b) {
    if (a.id != b.id) {
      return a.id < b.id;
    }
    return a.from != b.from ? a.from < b.from : a.to > b.to;
  });
  for (std::size_t i = 0; i < scan.raws.size();) {
    const Raw& first = scan.raws[i];
    std::size_t j = i;
    const EntityType& type = impl.types[first.id];
    const Validator validator = impl.validators[first.id];
    for (; j < scan.raws.size() && scan.raws[j].id == first.id && scan.raws[j].from == first.from;
         ++j) {
      const Raw& raw = scan.raws[j];
      if (!boundary_ok(type.boundary, text, raw.from, raw.to)) {
        continue;
      }
      std::size_t start = raw.from;
      std::size_t end = raw.to;
      if (type.extent != Extent::kMatch) {
        std::tie(start, end) = grow_extent(type.extent, text, start, end, scan.hits);
        if (start >= end) {
          continue;
        }
      }
      if (validator != nullptr && !validator(text.substr(start, end - start))) {
        continue;
      }
      float score = type.score;
      const bool context = !type.context.empty() && has_context(type, text, start, end);
      if (type.context_required && !context) {
        continue;
      }
      // Numbers next to "order", "invoice", "编号" are those, unless a positive word is near too.
      const bool numeric =
          !type.self_evident && (type.weak_number || type.canonical == Canonical::kDigits ||
                                 type.canonical == Canonical::kCnMobile ||
                                 (type.canonical == Canonical::kAlnum && type.label != "IBAN"));
      if (numeric && !context && near_number_negative(text, start, type.weak_number)) {
        continue;
      }
      // Context raises confidence; for a type that requires it, enough to beat a shape-only
      // type over the same digits (a 15-digit old ID next to 身份证 over a card number).
      if (context) {
        score = std::min(1.0F, score + (type.context_required ? 0.12F : 0.05F));
      }
      if (score >= impl.min_score) {
        entities.push_back(Entity{first.id, start, end, score});
      }
      break;
    }
    while (j < scan.raws.size() && scan.raws[j].id == first.id && scan.raws[j].from == first.from) {
      ++j;
    }
    i = j;
  }
  find_chinese_names(impl, text, scan.hits, entities);
  find_english_names(impl, text, entities);
  std::vector<Raw>().swap(scan.raws);  // the record pass has its own kMaxRawMatches budget
  CHITIN_RETURN_IF_ERROR(find_record_fields(impl, text, buffer, scratch.get(), entities));
  {
    const std::lock_guard lock(impl.scratch_mu);
    impl.scratch_pool.push_back(std::move(scratch));
  }
  find_admin_areas(impl, scan.hits, entities);
  impl.dictionary.scan(text, [&](std::uint32_t type, std::size_t start, std::size_t end) {
    // ASCII-word terms must stand alone; CJK terms need no boundary.
    const bool word_start = is_ascii_alnum(static_cast<unsigned char>(text[start]));
    const bool word_end = is_ascii_alnum(static_cast<unsigned char>(text[end - 1]));
    if ((word_start && start > 0 && is_ascii_alnum(static_cast<unsigned char>(text[start - 1]))) ||
        (word_end && end < text.size() && is_ascii_alnum(static_cast<unsigned char>(text[end])))) {
      return;
    }
    entities.push_back(Entity{type, start, end, impl.types[type].score});
  });
  return resolve_overlaps(std::move(entities));
}

}  // namespace chitin::privacy
