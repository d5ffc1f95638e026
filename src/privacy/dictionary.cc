#include "privacy/dictionary.h"

#include <algorithm>
#include <deque>

namespace chitin::privacy {

Result<Dictionary> Dictionary::build(std::vector<DictionaryTerm> terms) {
  if (terms.size() > kMaxDictionaryTerms) {
    return fail(ErrorCode::kLimitExceeded,
                "{} dictionary terms are more than the limit of {}; split the dictionaries or "
                "remove terms",
                terms.size(), kMaxDictionaryTerms);
  }
  for (DictionaryTerm& term : terms) {
    if (term.text.empty() || term.text.size() > kMaxTermBytes) {
      return fail(ErrorCode::kInvalidInput,
                  "a dictionary term is empty or longer than {} bytes; remove it", kMaxTermBytes);
    }
    std::transform(term.text.begin(), term.text.end(), term.text.begin(), fold);
  }
  std::sort(terms.begin(), terms.end(), [](const DictionaryTerm& a, const DictionaryTerm& b) {
    return a.text != b.text ? a.text < b.text : a.type < b.type;
  });
  terms.erase(std::unique(terms.begin(), terms.end(),
                          [](const DictionaryTerm& a, const DictionaryTerm& b) {
                            return a.text == b.text && a.type == b.type;
                          }),
              terms.end());

  // Trie in DFS order from the sorted terms: each term shares its longest common prefix with
  // the previous one, so only the path stack is needed. Edges and outputs are recorded in
  // creation order, which is label order within a parent, then bucketed by parent (CSR).
  Dictionary d;
  std::vector<std::uint32_t> edge_parent;
  std::vector<std::uint32_t> out_node;
  std::vector<std::uint32_t> path{0};
  std::string_view previous;
  for (const DictionaryTerm& term : terms) {
    std::size_t common = 0;
    while (common < previous.size() && common < term.text.size() &&
           previous[common] == term.text[common]) {
      ++common;
    }
    path.resize(common + 1);
    for (std::size_t i = common; i < term.text.size(); ++i) {
      const auto node = static_cast<std::uint32_t>(d.depth_.size());
      d.depth_.push_back(static_cast<std::uint16_t>(i + 1));
      edge_parent.push_back(path.back());
      d.edge_label_.push_back(static_cast<std::uint8_t>(term.text[i]));
      d.edge_target_.push_back(node);
      path.push_back(node);
    }
    out_node.push_back(path.back());
    d.out_type_.push_back(term.type);
    previous = term.text;
  }
  const std::size_t nodes = d.depth_.size();
  {
    std::vector<std::uint32_t> first(nodes + 1, 0);
    for (std::uint32_t parent : edge_parent) {
      ++first[parent + 1];
    }
    for (std::size_t i = 0; i < nodes; ++i) {
      first[i + 1] += first[i];
    }
    std::vector<std::uint8_t> labels(edge_parent.size());
    std::vector<std::uint32_t> targets(edge_parent.size());
    std::vector<std::uint32_t> cursor(first.begin(), first.end() - 1);
    for (std::size_t e = 0; e < edge_parent.size(); ++e) {
      const std::uint32_t slot = cursor[edge_parent[e]]++;
      labels[slot] = d.edge_label_[e];
      targets[slot] = d.edge_target_[e];
    }
    d.edge_first_ = std::move(first);
    d.edge_label_ = std::move(labels);
    d.edge_target_ = std::move(targets);
  }
  {
    // Outputs were recorded in term order; a node's outputs are consecutive already only when
    // one text has several types, so bucket them by node too.
    std::vector<std::uint32_t> first(nodes + 1, 0);
    for (std::uint32_t node : out_node) {
      ++first[node + 1];
    }
    for (std::size_t i = 0; i < nodes; ++i) {
      first[i + 1] += first[i];
    }
    std::vector<std::uint32_t> types(out_node.size());
    std::vector<std::uint32_t> cursor(first.begin(), first.end() - 1);
    for (std::size_t o = 0; o < out_node.size(); ++o) {
      types[cursor[out_node[o]]++] = d.out_type_[o];
    }
    d.out_first_ = std::move(first);
    d.out_type_ = std::move(types);
  }
  for (std::uint32_t e = d.edge_first_[0]; e < d.edge_first_[1]; ++e) {
    d.root_[d.edge_label_[e]] = d.edge_target_[e];
  }
  // Failure and output links, breadth first.
  d.fail_.assign(nodes, 0);
  d.link_.assign(nodes, kNone);
  std::deque<std::uint32_t> queue;
  for (std::uint32_t e = d.edge_first_[0]; e < d.edge_first_[1]; ++e) {
    queue.push_back(d.edge_target_[e]);
  }
  while (!queue.empty()) {
    const std::uint32_t node = queue.front();
    queue.pop_front();
    for (std::uint32_t e = d.edge_first_[node]; e < d.edge_first_[node + 1]; ++e) {
      const std::uint32_t next = d.edge_target_[e];
      const std::uint8_t label = d.edge_label_[e];
      std::uint32_t f = d.fail_[node];
      std::uint32_t target = kNone;
      while (true) {
        target = d.child(f, label);
        if (target != kNone || f == 0) {
          break;
        }
        f = d.fail_[f];
      }
      d.fail_[next] = (target == kNone || target == next) ? 0 : target;
      const std::uint32_t fn = d.fail_[next];
      d.link_[next] = d.out_first_[fn] != d.out_first_[fn + 1] ? fn : d.link_[fn];
      queue.push_back(next);
    }
  }
  d.link_[0] = kNone;
  return d;
}

std::size_t Dictionary::memory_bytes() const {
  return root_.size() * 4 + edge_first_.size() * 4 + edge_label_.size() + edge_target_.size() * 4 +
         fail_.size() * 4 + link_.size() * 4 + out_first_.size() * 4 + out_type_.size() * 4 +
         depth_.size() * 2;
}

}  // namespace chitin::privacy
