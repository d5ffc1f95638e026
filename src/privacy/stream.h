#pragma once
// Cutting a large input into blocks the detector can take one at a time (bounded memory for
// inputs of any size) without splitting an entity: cuts fall on a line break, else on a
// space, never inside a PEM block that has not ended yet.

#include <cstddef>
#include <string_view>

namespace chitin::privacy {

inline constexpr std::size_t kStreamBlockBytes = 1U << 20;

// Where to cut `buffer` (at least kStreamBlockBytes long): everything before the result is
// processed now, the rest is carried into the next block. Never 0 for a full buffer.
std::size_t stream_cut(std::string_view buffer);
// The line/space/PEM rule alone, before moving off placeholder-shaped tokens.
std::size_t raw_stream_cut(std::string_view buffer);

}  // namespace chitin::privacy
