#include "privacy/text.h"

#include <algorithm>

namespace chitin::privacy {

std::string fold_width(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 == 0xEF && i + 2 < text.size()) {
      const auto b1 = static_cast<unsigned char>(text[i + 1]);
      const auto b2 = static_cast<unsigned char>(text[i + 2]);
      // U+FF01..U+FF3F: EF BC 81..BF; U+FF40..U+FF5E: EF BD 80..9E.
      if (b1 == 0xBC && b2 >= 0x81 && b2 <= 0xBF) {
        out.push_back(static_cast<char>(b2 - 0x81 + 0x21));
        i += 2;
        continue;
      }
      if (b1 == 0xBD && b2 >= 0x80 && b2 <= 0x9E) {
        out.push_back(static_cast<char>(b2 - 0x80 + 0x60));
        i += 2;
        continue;
      }
    }
    if (b0 == 0xE3 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        static_cast<unsigned char>(text[i + 2]) == 0x80) {
      out.push_back(' ');
      i += 2;
      continue;
    }
    out.push_back(static_cast<char>(b0));
  }
  return out;
}

std::string ascii_lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

std::size_t utf8_char_start(std::string_view text, std::size_t at) {
  std::size_t steps = 0;
  while (at > 0 && steps < 3 && at < text.size() &&
         (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) {
    --at;
    ++steps;
  }
  return at;
}

std::size_t find_word_folded(std::string_view text, std::string_view word, bool last) {
  if (word.empty() || word.size() > text.size()) {
    return std::string_view::npos;
  }
  const auto letter = [&](std::size_t at) {
    return at < text.size() && is_ascii_alpha(static_cast<unsigned char>(text[at]));
  };
  const bool letter_first = is_ascii_alpha(static_cast<unsigned char>(word.front()));
  const bool letter_last = is_ascii_alpha(static_cast<unsigned char>(word.back()));
  std::size_t found = std::string_view::npos;
  for (std::size_t i = 0; i + word.size() <= text.size(); ++i) {
    std::size_t j = 0;
    while (j < word.size() && ascii_lower(text[i + j]) == ascii_lower(word[j])) {
      ++j;
    }
    if (j != word.size() || (letter_first && i > 0 && letter(i - 1))) {
      continue;
    }
    const std::size_t end = i + word.size();
    if (letter_last && letter(end) && !(ascii_lower(text[end]) == 's' && !letter(end + 1))) {
      continue;
    }
    found = i;
    if (!last) {
      break;
    }
  }
  return found;
}

}  // namespace chitin::privacy
