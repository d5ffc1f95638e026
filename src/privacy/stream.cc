#include "privacy/stream.h"

#include "privacy/placeholder.h"
#include "privacy/text.h"

namespace chitin::privacy {

namespace {

// Moves `cut` back to the start of a placeholder-shaped token that crosses it: each block is
// redacted on its own, and a look-alike split in two would escape neither half.
std::size_t avoid_tokens(std::string_view buffer, std::size_t cut) {
  const std::size_t from = cut > kMaxPlaceholderBytes ? cut - kMaxPlaceholderBytes : 0;
  const std::size_t to = std::min(buffer.size(), cut + kMaxPlaceholderBytes);
  std::size_t moved = cut;
  find_placeholder_tokens(buffer.substr(from, to - from), 0, true,
                          [&](const PlaceholderToken& token) {
                            if (from + token.start < cut && from + token.end > cut) {
                              moved = std::min(moved, from + token.start);
                            }
                          });
  // Also never cut inside a short run of label characters (letters, digits, '_'); a run longer
  // than any label cannot hide a token at its end, so it may be cut anywhere.
  const auto word = [&](std::size_t at) {
    return is_ascii_alnum(static_cast<unsigned char>(buffer[at])) || buffer[at] == '_';
  };
  std::size_t back = moved;
  while (back > from && back < buffer.size() && word(back - 1) && word(back) &&
         moved - back <= kMaxLabelChars + 12) {
    --back;
  }
  if (back < moved && moved - back <= kMaxLabelChars + 12 && (back == 0 || !word(back - 1))) {
    moved = back;
  }
  return moved > 0 ? moved : cut;
}

}  // namespace

std::size_t stream_cut(std::string_view buffer) {
  return avoid_tokens(buffer, raw_stream_cut(buffer));
}

std::size_t raw_stream_cut(std::string_view buffer) {
  const std::size_t limit = std::min(buffer.size(), kStreamBlockBytes);
  const std::size_t floor = limit / 2;
  std::size_t cut = limit;
  // A PEM block still open at the end of the block moves the cut before its BEGIN line.
  const std::size_t begin = buffer.substr(0, limit).rfind("-----BEGIN ");
  if (begin != std::string_view::npos && begin >= floor &&
      buffer.substr(begin, limit - begin).find("-----END ") == std::string_view::npos) {
    cut = begin;
  }
  const std::size_t newline = buffer.substr(0, cut).rfind('\n');
  if (newline != std::string_view::npos && newline + 1 > floor) {
    return newline + 1;
  }
  const std::size_t space = buffer.substr(0, cut).rfind(' ');
  if (space != std::string_view::npos && space + 1 > floor) {
    return space + 1;
  }
  // No break in half a megabyte: cut on a character boundary.
  return utf8_char_start(buffer, cut);
}

}  // namespace chitin::privacy
