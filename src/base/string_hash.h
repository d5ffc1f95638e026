#pragma once
// Hash containers keyed by std::string that are looked up by std::string_view without
// building a std::string per lookup (C++20 heterogeneous lookup). Hot paths (the privacy
// filter's lexicons and vault) look up millions of keys cut out of larger text.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace chitin {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept {
    return std::hash<std::string_view>{}(text);
  }
};

using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;
template <typename Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

}  // namespace chitin
