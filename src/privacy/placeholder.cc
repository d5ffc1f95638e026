#include "privacy/placeholder.h"

#include <fmt/core.h>

#include <array>

#include "privacy/text.h"

namespace chitin::privacy {

namespace {

constexpr std::array<std::string_view, 6> kOpeners{"⟦", "[", "［", "【", "〖", "〚"};
constexpr std::array<std::string_view, 6> kClosers{"⟧", "]", "］", "】", "〗", "〛"};

// One character of a label or number, folded: its ASCII form and byte length, or {0, 0}.
std::pair<char, std::size_t> label_char_at(std::string_view text, std::size_t at) {
  if (at >= text.size()) {
    return {0, 0};
  }
  const auto c = static_cast<unsigned char>(text[at]);
  if (is_ascii_alnum(c) || c == '_') {
    return {static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c), 1};
  }
  if (c == 0xEF && at + 2 < text.size()) {
    const auto b1 = static_cast<unsigned char>(text[at + 1]);
    const auto b2 = static_cast<unsigned char>(text[at + 2]);
    // Fullwidth 0-9 (EF BC 90-99), A-Z (EF BC A1-BA), _ (EF BC BF), a-z (EF BD 81-9A).
    if (b1 == 0xBC && b2 >= 0x90 && b2 <= 0x99) {
      return {static_cast<char>('0' + (b2 - 0x90)), 3};
    }
    if (b1 == 0xBC && b2 >= 0xA1 && b2 <= 0xBA) {
      return {static_cast<char>('A' + (b2 - 0xA1)), 3};
    }
    if (b1 == 0xBC && b2 == 0xBF) {
      return {'_', 3};
    }
    if (b1 == 0xBD && b2 >= 0x81 && b2 <= 0x9A) {
      return {static_cast<char>('A' + (b2 - 0x81)), 3};
    }
  }
  return {0, 0};
}

// Length of the label character ending at `end`, or 0.
std::size_t label_char_before(std::string_view text, std::size_t end) {
  if (end >= 1 && label_char_at(text, end - 1).second == 1) {
    return 1;
  }
  if (end >= 3 && label_char_at(text, end - 3).second == 3) {
    return 3;
  }
  return 0;
}

bool is_digit_char(char folded) { return folded >= '0' && folded <= '9'; }

}  // namespace

std::string format_placeholder(std::string_view label, std::uint64_t number) {
  return fmt::format("{}{}_{}{}", kOpenBracket, label, number, kCloseBracket);
}

void find_placeholder_tokens(std::string_view text, char before, bool complete,
                             const std::function<void(const PlaceholderToken&)>& on_token) {
  std::size_t at = 0;
  while (at < text.size()) {
    // Prefilter: a token ends in a digit run preceded by '_', ' ', '-' or a fullwidth '＿'
    // (EF BC BF); skip quickly to the next digit (ASCII, or fullwidth EF BC 90-99).
    while (at < text.size()) {
      const auto c = static_cast<unsigned char>(text[at]);
      if ((c >= '0' && c <= '9') || c == 0xEF) {
        break;
      }
      ++at;
    }
    if (at >= text.size()) {
      break;
    }
    const auto [folded, width] = label_char_at(text, at);
    if (width == 0 || !is_digit_char(folded)) {
      at += width == 0 ? 1 : width;
      continue;
    }
    if (at == 0 || (text[at - 1] != '_' && text[at - 1] != ' ' && text[at - 1] != '-' &&
                    static_cast<unsigned char>(text[at - 1]) != 0xBF)) {
      // Not after a separator: skip the rest of this digit run.
      while (at < text.size() && label_char_at(text, at).second != 0 &&
             is_digit_char(label_char_at(text, at).first)) {
        at += label_char_at(text, at).second;
      }
      continue;
    }
    const std::size_t digits_start = at;
    std::uint64_t number = 0;
    std::size_t digit_count = 0;
    while (true) {
      const auto [d, w] = label_char_at(text, at);
      if (w == 0 || !is_digit_char(d)) {
        break;
      }
      number = number * 10 + static_cast<std::uint64_t>(d - '0');
      ++digit_count;
      at += w;
    }
    const std::size_t digits_end = at;
    if (digit_count > 10 || number == 0) {
      continue;
    }
    // Separator before the digits: '_' (any width), or ' ' / '-' inside brackets.
    std::size_t label_end = digits_start;
    bool underscore = true;
    if (label_end >= 1 && text[label_end - 1] == '_') {
      label_end -= 1;
    } else if (label_end >= 3 && text.substr(label_end - 3, 3) == "＿") {
      label_end -= 3;
    } else if (label_end >= 1 && (text[label_end - 1] == ' ' || text[label_end - 1] == '-')) {
      label_end -= 1;
      underscore = false;
    } else {
      continue;
    }
    // Label: letters, digits and underscores going left.
    std::size_t label_start = label_end;
    std::size_t label_chars = 0;
    while (label_chars <= kMaxLabelChars) {
      const std::size_t w = label_char_before(text, label_start);
      if (w == 0) {
        break;
      }
      label_start -= w;
      ++label_chars;
    }
    if (label_chars == 0 || label_chars > kMaxLabelChars) {
      continue;
    }
    std::string label;
    bool case_changed = false;
    for (std::size_t i = label_start; i < label_end;) {
      const auto [c, w] = label_char_at(text, i);
      label.push_back(c);
      const auto raw = static_cast<unsigned char>(text[w == 1 ? i : i + 2]);
      case_changed = case_changed || (w == 1 && raw >= 'a' && raw <= 'z') ||
                     (w == 3 && static_cast<unsigned char>(text[i + 1]) == 0xBD);
      i += w;
    }
    if (label[0] < 'A' || label[0] > 'Z' || label.back() == '_') {
      continue;
    }
    // Brackets, both or either (with optional inner spaces).
    std::size_t start = label_start;
    std::size_t end = digits_end;
    std::size_t open = start;
    while (open > 0 && text[open - 1] == ' ' && start - open < 1) {
      --open;
    }
    for (std::string_view opener : kOpeners) {
      if (open >= opener.size() && text.substr(open - opener.size(), opener.size()) == opener) {
        start = open - opener.size();
        break;
      }
    }
    std::size_t close = end;
    if (close < text.size() && text[close] == ' ') {
      ++close;
    }
    for (std::string_view closer : kClosers) {
      if (text.substr(close).starts_with(closer)) {
        end = close + closer.size();
        break;
      }
    }
    // Without brackets only the form we emit, upper case with '_', counts: "card 5523" or a
    // variable "ip_1" in code is not a placeholder.
    // Relaxed forms (other case, "LABEL 1") need a bracket on both sides; one bracket alone
    // is ordinary punctuation ("[Emergency Contact Person 1]" is not PERSON_1).
    const bool opened = start != label_start;
    const bool closed = end != digits_end;
    if (opened != closed) {
      if (!underscore || case_changed) {
        continue;
      }
      start = label_start;  // a lone bracket is not part of the token
      end = digits_end;
    }
    const bool bracketed = opened && closed;
    if (!bracketed && (!underscore || case_changed)) {
      continue;
    }
    if (!complete && end + 3 >= text.size()) {
      continue;  // a bracket or more digits may still come
    }
    // A bracket delimits the token by itself; a bare edge must not touch a word character.
    const char left = start > 0 ? text[start - 1] : before;
    const char right = end < text.size() ? text[end] : 0;
    // A bare token must not touch a word character, nor one of our own brackets: redaction
    // puts placeholders next to input text, and "EMAIL_1⟦URL_1⟧" must not make EMAIL_1 one.
    const bool left_open = start == label_start;
    const bool right_open = end == digits_end;
    const auto touches_bracket = [&](bool left_side) {
      if (left_side) {
        return start >= 3 && (text.substr(start - 3, 3) == kOpenBracket ||
                              text.substr(start - 3, 3) == kCloseBracket);
      }
      return text.substr(end).starts_with(kOpenBracket) ||
             text.substr(end).starts_with(kCloseBracket);
    };
    if ((left_open && (is_ascii_alnum(static_cast<unsigned char>(left)) || left == '_' ||
                       touches_bracket(true))) ||
        (right_open && (is_ascii_alnum(static_cast<unsigned char>(right)) || right == '_' ||
                        touches_bracket(false)))) {
      continue;
    }
    on_token(PlaceholderToken{start, end, std::move(label), number});
  }
}

}  // namespace chitin::privacy
