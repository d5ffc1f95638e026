#pragma once
// Placeholder syntax: ⟦LABEL_N⟧ (U+27E6, U+27E7), LABEL of [A-Z0-9_], N from 1. Models
// rewrite them, so reading is tolerant: fullwidth forms, other brackets ([ ] ［ ］ 【 】 〖 〗)
// or none; inside brackets also any case and "LABEL N" / "LABEL-N". Without brackets only
// LABEL_N in upper case counts, so ordinary text ("card 5523", a variable ip_1) is never taken
// for one. The same reader finds text in the input that looks like a placeholder, which the
// redactor escapes (see redactor.h).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace chitin::privacy {

inline constexpr std::string_view kOpenBracket = "⟦";
inline constexpr std::string_view kCloseBracket = "⟧";
inline constexpr std::string_view kLiteralLabel = "LITERAL";
inline constexpr std::size_t kMaxLabelChars = 48;
// Longest text the tolerant reader can take as one placeholder (brackets, fullwidth label,
// separator, 10 fullwidth digits); streaming restore holds back this much.
inline constexpr std::size_t kMaxPlaceholderBytes = 3 + 2 + 3 * kMaxLabelChars + 3 + 3 * 10 + 2 + 3;

std::string format_placeholder(std::string_view label, std::uint64_t number);

struct PlaceholderToken {
  std::size_t start = 0;  // including any brackets
  std::size_t end = 0;
  std::string label;  // upper case ASCII
  std::uint64_t number = 0;
};

// Calls on_token for every placeholder-shaped token in text, in order. `before` is the byte
// preceding text (0 at the start of a stream). When `complete` is false, a token touching the
// end of text is not reported (more input could extend it).
void find_placeholder_tokens(std::string_view text, char before, bool complete,
                             const std::function<void(const PlaceholderToken&)>& on_token);

}  // namespace chitin::privacy
