#include "privacy/stream.h"

#include "privacy/text.h"

namespace chitin::privacy {

std::size_t stream_cut(std::string_view buffer) {
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
