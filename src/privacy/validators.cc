#include "privacy/validators.h"

#include <algorithm>
#include <vector>

#include "privacy/text.h"

namespace chitin::privacy {

std::string compact_alnum(std::string_view match) {
  const std::string folded = fold_width(match);
  std::string out;
  out.reserve(folded.size());
  for (char c : folded) {
    if (c >= '0' && c <= '9') {
      out.push_back(c);
    } else if (c >= 'a' && c <= 'z') {
      out.push_back(static_cast<char>(c - 'a' + 'A'));
    } else if (c >= 'A' && c <= 'Z') {
      out.push_back(c);
    }
  }
  return out;
}

std::span<const NamedValidator> validators() {
  static const std::vector<NamedValidator> all = [] {
    std::vector<NamedValidator> list;
    for (auto group : {china_validators(), national_id_validators(), finance_validators(),
                       network_validators()}) {
      list.insert(list.end(), group.begin(), group.end());
    }
    std::sort(list.begin(), list.end(),
              [](const NamedValidator& a, const NamedValidator& b) { return a.name < b.name; });
    return list;
  }();
  return all;
}

const NamedValidator* find_validator(std::string_view name) {
  const auto all = validators();
  const auto it =
      std::lower_bound(all.begin(), all.end(), name,
                       [](const NamedValidator& v, std::string_view key) { return v.name < key; });
  return it != all.end() && it->name == name ? &*it : nullptr;
}

}  // namespace chitin::privacy
