#pragma once
// A multi-string matcher (Aho-Corasick) for user dictionaries: up to millions of terms, each
// with the type it belongs to. ASCII letters match case-insensitively. Built from a sorted
// term list in linear time into flat arrays (CSR edges, a dense root table); immutable and
// thread-safe after build. About 23 bytes per trie node.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace chitin::privacy {

struct DictionaryTerm {
  std::string text;
  std::uint32_t type = 0;
};

inline constexpr std::size_t kMaxDictionaryTerms = 2'000'000;
inline constexpr std::size_t kMaxTermBytes = 256;

class Dictionary {
 public:
  // Terms are lower-cased (ASCII) and de-duplicated here. Empty or over-long terms, and more
  // than kMaxDictionaryTerms, are errors.
  static Result<Dictionary> build(std::vector<DictionaryTerm> terms);

  bool empty() const { return depth_.size() <= 1; }
  std::size_t node_count() const { return depth_.size(); }
  std::size_t memory_bytes() const;

  // Calls on_match(type, start, end) for every occurrence of every term, overlapping ones
  // included, in order of `end`.
  template <class OnMatch>
  void scan(std::string_view text, OnMatch&& on_match) const {
    if (empty()) {
      return;
    }
    std::uint32_t state = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const auto byte = static_cast<std::uint8_t>(fold(text[i]));
      while (true) {
        const std::uint32_t next = child(state, byte);
        if (next != kNone) {
          state = next;
          break;
        }
        if (state == 0) {
          break;
        }
        state = fail_[state];
      }
      for (std::uint32_t node = out_first_[state] != out_first_[state + 1] ? state : link_[state];
           node != kNone; node = link_[node]) {
        for (std::uint32_t o = out_first_[node]; o < out_first_[node + 1]; ++o) {
          on_match(out_type_[o], i + 1 - depth_[node], i + 1);
        }
      }
    }
  }

 private:
  static constexpr std::uint32_t kNone = 0xFFFFFFFF;
  static char fold(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
  std::uint32_t child(std::uint32_t node, std::uint8_t byte) const {
    if (node == 0) {
      return root_[byte];
    }
    for (std::uint32_t e = edge_first_[node]; e < edge_first_[node + 1]; ++e) {
      if (edge_label_[e] == byte) {
        return edge_target_[e];
      }
      if (edge_label_[e] > byte) {
        break;
      }
    }
    return kNone;
  }

  std::vector<std::uint32_t> root_ = std::vector<std::uint32_t>(256, kNone);
  std::vector<std::uint32_t> edge_first_;  // per node + 1, CSR into the edge arrays
  std::vector<std::uint8_t> edge_label_;   // sorted within a node
  std::vector<std::uint32_t> edge_target_;
  std::vector<std::uint32_t> fail_;
  std::vector<std::uint32_t> link_;       // nearest proper suffix node with output, or kNone
  std::vector<std::uint32_t> out_first_;  // per node + 1, CSR into out_type_
  std::vector<std::uint32_t> out_type_;
  std::vector<std::uint16_t> depth_ = {0};
};

}  // namespace chitin::privacy
