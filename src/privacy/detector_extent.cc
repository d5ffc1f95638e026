// The real extent of matches whose pattern only finds an anchor: URLs, PEM blocks, street
// addresses and organisation names.
#include <algorithm>
#include <array>

#include "privacy/detector_impl.h"
#include "privacy/text.h"

namespace chitin::privacy {

namespace {

constexpr std::size_t kMaxPemBytes = 64 * 1024;
constexpr std::size_t kMaxStreetNameChars = 10;
constexpr std::size_t kMaxAddressChars = 40;
constexpr std::size_t kMaxOrgNameChars = 24;

bool starts_with_at(std::string_view text, std::size_t at, std::string_view word) {
  return at <= text.size() && text.substr(at).starts_with(word);
}

// RFC 3986 characters that can continue a URL in running text.
bool url_char(unsigned char c) {
  if (is_ascii_alnum(c)) {
    return true;
  }
  static constexpr std::string_view kMarks = "-._~:/?#[]@!$&'()*+,;=%";
  return kMarks.find(static_cast<char>(c)) != std::string_view::npos;
}

std::size_t grow_url(std::string_view text, std::size_t end) {
  while (end < text.size() && url_char(static_cast<unsigned char>(text[end]))) {
    ++end;
  }
  // Sentence punctuation after a URL is not part of it.
  while (end > 0) {
    const char last = text[end - 1];
    if (last == '.' || last == ',' || last == ';' || last == ':' || last == '!' || last == '?' ||
        last == '\'' || last == ')' || last == ']') {
      --end;
      continue;
    }
    break;
  }
  return end;
}

std::size_t grow_pem(std::string_view text, std::size_t end) {
  const std::string_view rest = text.substr(end, std::min(kMaxPemBytes, text.size() - end));
  const std::size_t marker = rest.find("-----END ");
  if (marker != std::string_view::npos) {
    const std::size_t close = rest.find("-----", marker + 9);
    if (close != std::string_view::npos) {
      return end + close + 5;
    }
  }
  // No END line (truncated paste): take the base64 body that follows.
  std::size_t at = end;
  while (at < text.size() && at - end < kMaxPemBytes) {
    const auto c = static_cast<unsigned char>(text[at]);
    if (is_ascii_alnum(c) || c == '+' || c == '/' || c == '=' || c == '\n' || c == '\r' ||
        c == ':' || c == '-' || c == ' ') {
      ++at;
      continue;
    }
    break;
  }
  return at;
}

// Characters that end the walk left from a street or legal-form suffix.
bool address_stop(std::string_view text, std::size_t end) {
  static constexpr std::string_view kStops =
      "在住于址是到往寄送至的我你他她们请和与及或从由为：，。、；！？（）";
  if (end < 3) {
    return true;
  }
  const std::string_view c = text.substr(end - 3, 3);
  return kStops.find(c) != std::string_view::npos && kStops.find(c) % 3 == 0;
}

// Hits are sorted by start; these find them without walking the whole list (a 1 MiB block of
// Chinese text has hundreds of thousands).
std::span<const LexiconHit>::iterator first_hit_from(std::span<const LexiconHit> hits,
                                                     std::size_t from) {
  return std::lower_bound(hits.begin(), hits.end(), from,
                          [](const LexiconHit& h, std::size_t value) { return h.start < value; });
}

bool org_boundary_ends_at(std::span<const LexiconHit> hits, std::size_t end) {
  constexpr std::size_t kLongestCue = 64;  // bytes; the cue words are a few characters
  for (auto it = first_hit_from(hits, end > kLongestCue ? end - kLongestCue : 0);
       it != hits.end() && it->start < end; ++it) {
    if (it->kind == LexiconKind::kOrgBoundary && it->end == end) {
      return true;
    }
  }
  return false;
}

// Walks left from `start` over Han characters and ASCII letters (at most `limit`
// characters), stopping at stop characters and organisation boundary cues.
std::size_t walk_left(std::string_view text, std::size_t start, std::size_t limit,
                      std::span<const LexiconHit> hits, bool allow_ascii) {
  std::size_t chars = 0;
  while (start > 0 && chars < limit) {
    if (han_length_before(text, start) != 0) {
      if (address_stop(text, start)) {
        break;
      }
      if (org_boundary_ends_at(hits, start)) {
        break;
      }
      start -= 3;
    } else if (allow_ascii && is_ascii_alpha(static_cast<unsigned char>(text[start - 1]))) {
      start -= 1;
    } else if (starts_with_at(text, start >= 3 ? start - 3 : start, "）") && start >= 3) {
      // "腾讯科技（深圳）有限公司": walk through a parenthesised place name.
      const std::size_t open = text.rfind("（", start - 3);
      if (open == std::string_view::npos || start - open > 3 * 8) {
        break;
      }
      start = open;
    } else {
      break;
    }
    ++chars;
  }
  return start;
}

// Earliest admin-area hit inside [start, end): addresses and company names usually begin
// with their province or city.
std::size_t first_admin(std::span<const LexiconHit> hits, std::size_t start, std::size_t end) {
  for (auto it = first_hit_from(hits, start); it != hits.end() && it->start < end; ++it) {
    if (it->kind == LexiconKind::kProvince || it->kind == LexiconKind::kCity ||
        it->kind == LexiconKind::kDistrict) {
      return it->start;
    }
  }
  return end;
}

std::pair<std::size_t, std::size_t> grow_street_zh(std::string_view text, std::size_t start,
                                                   std::size_t end,
                                                   std::span<const LexiconHit> hits) {
  const std::size_t wide = walk_left(text, start, kMaxAddressChars, hits, false);
  const std::size_t admin = first_admin(hits, wide, start);
  std::size_t left =
      admin < start ? admin : walk_left(text, start, kMaxStreetNameChars, hits, false);
  if (left == start) {
    return {0, 0};  // a bare "路1号" is not an address
  }
  // Building, unit, floor and room: "1号院3号楼2单元501室", "A座1203".
  static constexpr std::array<std::string_view, 12> kUnits{"号楼", "号院", "栋", "幢", "座", "楼",
                                                           "层",   "单元", "室", "号", "房", "户"};
  while (end < text.size()) {
    std::size_t cursor = end;
    while (cursor < text.size() &&
           (is_ascii_alnum(static_cast<unsigned char>(text[cursor])) || text[cursor] == '-') &&
           cursor - end < 8) {
      ++cursor;
    }
    bool unit = false;
    for (std::string_view word : kUnits) {
      if (starts_with_at(text, cursor, word)) {
        cursor += word.size();
        unit = true;
        break;
      }
    }
    if (!unit) {
      // Trailing room number without a unit word: "科技园路1号 501".
      break;
    }
    end = cursor;
  }
  return {left, end};
}

std::pair<std::size_t, std::size_t> grow_street_en(std::string_view text, std::size_t start,
                                                   std::size_t end) {
  static constexpr std::array<std::string_view, 9> kUnitWords{
      "Apt", "Apartment", "Suite", "Ste", "Unit", "Flat", "Floor", "Room", "#"};
  // The pattern takes the dot after an abbreviation (St.); after a full word (Road.) it ends
  // the sentence.
  static constexpr std::array<std::string_view, 11> kAbbreviations{
      "St", "Ave", "Rd", "Ln", "Blvd", "Dr", "Ct", "Pl", "Sq", "Pkwy", "Hwy"};
  if (end > start && text[end - 1] == '.') {
    const std::size_t word_start = text.rfind(' ', end - 1);
    const std::string_view word = word_start == std::string_view::npos || word_start < start
                                      ? std::string_view()
                                      : text.substr(word_start + 1, end - 2 - word_start);
    if (std::find(kAbbreviations.begin(), kAbbreviations.end(), word) == kAbbreviations.end()) {
      --end;
    }
  }
  auto capitalised_run = [&](std::size_t at) {
    std::size_t cursor = at;
    std::size_t words = 0;
    while (cursor < text.size() && words < 3 && text[cursor] >= 'A' && text[cursor] <= 'Z') {
      std::size_t word_end = cursor + 1;
      while (word_end < text.size() && is_ascii_alpha(static_cast<unsigned char>(text[word_end]))) {
        ++word_end;
      }
      ++words;
      cursor = word_end;
      if (cursor + 1 < text.size() && text[cursor] == ' ' && text[cursor + 1] >= 'A' &&
          text[cursor + 1] <= 'Z') {
        ++cursor;
      } else {
        break;
      }
    }
    return words > 0 ? cursor : at;
  };
  for (int part = 0; part < 4; ++part) {
    std::size_t cursor = end;
    if (starts_with_at(text, cursor, ", ")) {
      cursor += 2;
    } else if (starts_with_at(text, cursor, " ")) {
      cursor += 1;
    } else {
      break;
    }
    bool grown = false;
    for (std::string_view unit : kUnitWords) {
      if (starts_with_at(text, cursor, unit)) {
        std::size_t after = cursor + unit.size();
        if (starts_with_at(text, after, ".")) {
          ++after;
        }
        if (starts_with_at(text, after, " ")) {
          ++after;
        }
        std::size_t token = after;
        while (token < text.size() && is_ascii_alnum(static_cast<unsigned char>(text[token]))) {
          ++token;
        }
        if (token > after) {
          end = token;
          grown = true;
        }
        break;
      }
    }
    if (grown) {
      continue;
    }
    // State + ZIP ("IL 62704") or a UK postcode ("NW1 6XE"), else a capitalised place name.
    std::size_t token = cursor;
    while (token < text.size() && (is_ascii_alnum(static_cast<unsigned char>(text[token])))) {
      ++token;
    }
    const std::string_view first = text.substr(cursor, token - cursor);
    const bool upper_code = first.size() >= 2 && first.size() <= 4 &&
                            std::all_of(first.begin(), first.end(), [](char c) {
                              return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                            });
    if (upper_code && token + 1 < text.size() && text[token] == ' ' &&
        is_ascii_alnum(static_cast<unsigned char>(text[token + 1]))) {
      std::size_t second = token + 1;
      while (second < text.size() &&
             (is_ascii_alnum(static_cast<unsigned char>(text[second])) || text[second] == '-') &&
             second - token < 12) {
        ++second;
      }
      const std::string_view code = text.substr(token + 1, second - token - 1);
      const bool postal =
          std::any_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (postal) {
        end = second;
        continue;
      }
    }
    if (upper_code && first.size() <= 3 &&
        std::any_of(first.begin(), first.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      end = token;  // a bare postcode part
      continue;
    }
    const std::size_t run = capitalised_run(cursor);
    if (run > cursor && text[cursor - 1] == ' ' && text[cursor - 2] == ',') {
      end = run;
      continue;
    }
    break;
  }
  return {start, end};
}

std::pair<std::size_t, std::size_t> grow_org_zh(std::string_view text, std::size_t start,
                                                std::size_t end, std::span<const LexiconHit> hits) {
  const std::size_t left = walk_left(text, start, kMaxOrgNameChars, hits, true);
  if (start - left < 6) {
    return {0, 0};  // at least two characters of name before the legal form
  }
  // "分公司"/"支行" after a full company or bank name: one entity.
  return {left, end};
}

std::pair<std::size_t, std::size_t> grow_org_en(std::string_view text, std::size_t start,
                                                std::size_t end) {
  static constexpr std::array<std::string_view, 30> kLeading{
      "Dear", "Hi",     "Hello",    "Contact", "Please",   "At",      "From",    "To",
      "For",  "With",   "By",       "And",     "Our",      "Your",    "We",      "I",
      "In",   "On",     "Call",     "Email",   "Thanks",   "Regards", "Invoice", "Paid",
      "Pay",  "Client", "Customer", "Vendor",  "Supplier", "Employer"};
  while (start < end) {
    const std::size_t space = text.find(' ', start);
    if (space == std::string_view::npos || space >= end) {
      break;
    }
    const std::string_view word = text.substr(start, space - start);
    if (std::find(kLeading.begin(), kLeading.end(), word) == kLeading.end()) {
      break;
    }
    start = space + 1;
  }
  // The legal form alone ("Ltd") is not a name.
  if (text.substr(start, end - start).find(' ') == std::string_view::npos) {
    return {0, 0};
  }
  return {start, end};
}

}  // namespace

std::pair<std::size_t, std::size_t> grow_extent(Extent extent, std::string_view text,
                                                std::size_t start, std::size_t end,
                                                std::span<const LexiconHit> hits) {
  switch (extent) {
    case Extent::kMatch:
      return {start, end};
    case Extent::kUrl:
      return {start, grow_url(text, end)};
    case Extent::kPemBlock:
      return {start, grow_pem(text, end)};
    case Extent::kStreetZh:
      return grow_street_zh(text, start, end, hits);
    case Extent::kStreetEn:
      return grow_street_en(text, start, end);
    case Extent::kOrgZh:
      return grow_org_zh(text, start, end, hits);
    case Extent::kOrgEn:
      return grow_org_en(text, start, end);
  }
  return {start, end};
}

}  // namespace chitin::privacy
