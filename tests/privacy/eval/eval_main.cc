// The privacy filter's evaluation: a labelled zh/en corpus generated from the templates in
// this directory (slots filled by values.cc), scored per type on character spans (precision,
// recall, F2), with the verbatim leak rate and a restore round trip. Exits 1 below target:
//   structured identifiers: recall >= 99.5%, precision >= 99%
//   Chinese person names (in context): recall >= 90%
//   verbatim leak rate (entity text surviving redaction): <= 0.5%
//   restore(redact(text)) == text for every document
// Usage: privacy_eval DIR [--set templates|holdout|freshN] [--copies N] [--seed S] [--cache DIR]
//        [--misses]
// The rules were tuned while reading the misses of the "templates" set, and in session 12 of
// "holdout", "fresh", "fresh2" and "fresh3" too; "fresh4" was written without sight of the
// rules and is only ever scored (docs/privacy.md, "Evaluation"; the README reports them).

#include <fmt/core.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "base/parse.h"
#include "privacy/detector.h"
#include "privacy/redactor.h"
#include "privacy/restore.h"
#include "values.h"

namespace chitin::privacy::eval {
namespace {

struct Gold {
  std::string slot;
  std::size_t start;
  std::size_t end;
  bool positive;
};

struct Document {
  std::string text;
  std::vector<Gold> gold;
};

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (!line.empty() && line[0] != '#') {
      lines.push_back(line);
    }
  }
  return lines;
}

Document instantiate(const std::string& pattern, std::mt19937_64& rng, const NameLists& names) {
  Document doc;
  std::size_t at = 0;
  while (at < pattern.size()) {
    const std::size_t open = pattern.find('{', at);
    const std::size_t close = open == std::string::npos ? open : pattern.find('}', open);
    if (open == std::string::npos || close == std::string::npos) {
      doc.text += pattern.substr(at);
      break;
    }
    doc.text += pattern.substr(at, open - at);
    const std::string slot = pattern.substr(open + 1, close - open - 1);
    const std::string value = generate_value(slot, rng, names);
    if (value.empty()) {
      fmt::print(stderr, "unknown slot {} in: {}\n", slot, pattern);
      std::exit(2);
    }
    doc.gold.push_back(
        Gold{slot, doc.text.size(), doc.text.size() + value.size(), is_positive_slot(slot)});
    doc.text += value;
    at = close + 1;
  }
  return doc;
}

// The placeholder labels that count as finding each slot.
const std::map<std::string, std::set<std::string>>& accepted_labels() {
  static const std::map<std::string, std::set<std::string>> map{{"PERSON_ZH", {"PERSON"}},
                                                                {"PERSON_EN", {"PERSON"}},
                                                                {"CN_ID", {"CN_ID"}},
                                                                {"CN_ID_15", {"CN_ID"}},
                                                                {"CN_USCC", {"CN_USCC"}},
                                                                {"CN_MOBILE", {"PHONE"}},
                                                                {"CN_LANDLINE", {"PHONE"}},
                                                                {"PHONE_INTL", {"PHONE"}},
                                                                {"CN_BANK_CARD", {"CARD"}},
                                                                {"CARD", {"CARD"}},
                                                                {"CN_PASSPORT", {"PASSPORT"}},
                                                                {"HK_ID", {"HK_ID"}},
                                                                {"TW_ID", {"TW_ID"}},
                                                                {"MO_ID", {"MO_ID"}},
                                                                {"CN_HMT_PERMIT", {"PERMIT"}},
                                                                {"CN_PLATE", {"PLATE"}},
                                                                {"IBAN", {"IBAN"}},
                                                                {"US_SSN", {"US_SSN"}},
                                                                {"US_ITIN", {"US_ITIN"}},
                                                                {"UK_NINO", {"UK_NINO"}},
                                                                {"EMAIL", {"EMAIL"}},
                                                                {"IPV4", {"IP"}},
                                                                {"IPV6", {"IP"}},
                                                                {"MAC", {"MAC"}},
                                                                {"URL_CRED", {"URL"}},
                                                                {"URL_TOKEN", {"URL"}},
                                                                {"JWT", {"JWT"}},
                                                                {"API_KEY", {"SECRET"}},
                                                                {"CRYPTO_BTC", {"WALLET"}},
                                                                {"CRYPTO_ETH", {"WALLET"}},
                                                                {"DOB", {"DOB"}},
                                                                {"ADDRESS_ZH", {"ADDRESS"}},
                                                                {"ADDRESS_EN", {"ADDRESS"}},
                                                                {"ORG_ZH", {"ORG"}},
                                                                {"ORG_EN", {"ORG"}}};
  return map;
}

bool structured_slot(const std::string& slot) {
  return !(slot.starts_with("PERSON") || slot.starts_with("ADDRESS") || slot.starts_with("ORG") ||
           slot == "DOB");
}
bool structured_label(const std::string& label) {
  return label != "PERSON" && label != "ADDRESS" && label != "ORG" && label != "DOB";
}

struct Counts {
  std::size_t mentions = 0;
  std::size_t gold_chars = 0;
  std::size_t found_chars = 0;
  std::size_t leaks = 0;
};

struct LabelCounts {
  std::size_t predicted_chars = 0;
  std::size_t correct_chars = 0;
};

double ratio(std::size_t a, std::size_t b) {
  return b == 0 ? 1.0 : static_cast<double>(a) / static_cast<double>(b);
}
double f2(double p, double r) { return p + r == 0 ? 0 : 5 * p * r / (4 * p + r); }

int run(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr,
               "usage: privacy_eval DIR [--copies N] [--seed S] [--cache DIR] [--misses]\n");
    return 2;
  }
  const std::string dir = argv[1];
  int copies = 6;
  std::uint64_t seed = 20261206;
  std::string cache;
  bool show_misses = false;
  std::string prefix = "templates";
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--copies" && i + 1 < argc) {
      copies = static_cast<int>(parse_integer<std::int64_t>(argv[++i], 1, 1000).value_or(6));
    } else if (arg == "--seed" && i + 1 < argc) {
      seed = parse_integer<std::uint64_t>(argv[++i]).value_or(seed);
    } else if (arg == "--cache" && i + 1 < argc) {
      cache = argv[++i];
    } else if (arg == "--set" && i + 1 < argc) {
      prefix = argv[++i];  // "templates", "holdout", "fresh".."fresh3" (tuned on), "fresh4"
    } else if (arg == "--misses") {
      show_misses = true;
    }
  }
  NameLists names{read_lines(dir + "/names_zh.txt"), read_lines(dir + "/names_en.txt")};
  std::mt19937_64 rng(seed);
  std::vector<std::pair<std::string, Document>> docs;  // language, document
  for (const std::string language : {"zh", "en"}) {
    for (const std::string& pattern : read_lines(dir + "/" + prefix + "_" + language + ".txt")) {
      for (int copy = 0; copy < copies; ++copy) {
        docs.emplace_back(language, instantiate(pattern, rng, names));
      }
    }
  }
  auto detector =
      Detector::create({.dictionaries = {}, .patterns = {}, .min_score = 0.5F, .cache_dir = cache});
  if (!detector) {
    fmt::print(stderr, "{}\n", detector.error().describe());
    return 2;
  }
  std::map<std::string, Counts> slots;  // "zh PERSON_ZH" etc. and plain slot
  std::map<std::string, LabelCounts> labels;
  std::size_t negatives = 0;
  std::size_t negatives_hit = 0;
  std::size_t roundtrip_failures = 0;
  std::size_t bytes = 0;
  for (auto& [language, doc] : docs) {
    bytes += doc.text.size();
    Vault vault;
    Redactor redactor(**detector, vault);
    std::vector<Entity> found;
    auto redacted = redactor.redact(doc.text, &found);
    if (!redacted) {
      fmt::print(stderr, "redact failed: {}\n", redacted.error().describe());
      return 2;
    }
    if (restore(*redacted, vault) != doc.text) {
      ++roundtrip_failures;
      if (show_misses) {
        fmt::print("ROUNDTRIP {}\n", doc.text);
      }
    }
    if (const char* probe = std::getenv("PRIVACY_EVAL_PROBE");
        probe != nullptr && doc.text.find(probe) != std::string::npos) {
      for (const Entity& entity : found) {
        fmt::print("PROBE {} {}-{} [{}]\n", (*detector)->types()[entity.type].id, entity.start,
                   entity.end, doc.text.substr(entity.start, entity.end - entity.start));
      }
      fmt::print("PROBE redacted: {}\n", *redacted);
    }
    std::vector<int> gold_at(doc.text.size(), -1);
    for (std::size_t g = 0; g < doc.gold.size(); ++g) {
      if (doc.gold[g].positive) {
        for (std::size_t c = doc.gold[g].start; c < doc.gold[g].end; ++c) {
          gold_at[c] = static_cast<int>(g);
        }
      }
    }
    std::vector<const std::string*> label_at(doc.text.size(), nullptr);
    for (const Entity& entity : found) {
      const std::string& label = (*detector)->types()[entity.type].label;
      for (std::size_t c = entity.start; c < entity.end; ++c) {
        label_at[c] = &label;
      }
      LabelCounts& counts = labels[label];
      std::size_t correct = 0;
      for (std::size_t c = entity.start; c < entity.end; ++c) {
        ++counts.predicted_chars;
        if (gold_at[c] >= 0 && accepted_labels()
                                   .at(doc.gold[static_cast<std::size_t>(gold_at[c])].slot)
                                   .contains(label)) {
          ++counts.correct_chars;
          ++correct;
        }
      }
      if (show_misses && correct < entity.end - entity.start) {
        fmt::print("EXTRA {} [{}] ({} of {} bytes right) in: {}\n", label,
                   doc.text.substr(entity.start, entity.end - entity.start), correct,
                   entity.end - entity.start, doc.text);
      }
    }
    for (const Gold& gold : doc.gold) {
      const std::string value = doc.text.substr(gold.start, gold.end - gold.start);
      if (!gold.positive) {
        ++negatives;
        bool hit = false;
        for (std::size_t c = gold.start; c < gold.end; ++c) {
          hit = hit || label_at[c] != nullptr;
        }
        negatives_hit += hit ? 1 : 0;
        if (hit && show_misses) {
          fmt::print("FALSE-POSITIVE {} [{}] in: {}\n", gold.slot, value, doc.text);
        }
        continue;
      }
      const auto& accepted = accepted_labels().at(gold.slot);
      std::size_t covered = 0;
      for (std::size_t c = gold.start; c < gold.end; ++c) {
        covered += label_at[c] != nullptr && accepted.contains(*label_at[c]) ? 1 : 0;
      }
      const bool leaked = redacted->find(value) != std::string::npos;
      for (const std::string& key : {gold.slot, language + " " + gold.slot}) {
        Counts& counts = slots[key];
        ++counts.mentions;
        counts.gold_chars += gold.end - gold.start;
        counts.found_chars += covered;
        counts.leaks += leaked ? 1 : 0;
      }
      if (show_misses && covered < gold.end - gold.start) {
        fmt::print("MISS {} [{}] covered {}/{} in: {}\n", gold.slot, value, covered,
                   gold.end - gold.start, doc.text);
      }
    }
  }
  fmt::print(
      "Privacy filter evaluation: {} documents ({} KB), {} templates x {} copies, seed {}\n\n",
      docs.size(), bytes / 1024, docs.size() / static_cast<std::size_t>(copies), copies, seed);
  fmt::print("{:<16} {:>8} {:>9} {:>10} {:>7} {:>7}\n", "slot", "mentions", "recall", "precision",
             "F2", "leaks");
  std::size_t struct_gold = 0, struct_found = 0, mentions = 0, leaks = 0;
  for (const auto& [slot, counts] : slots) {
    if (slot.find(' ') != std::string::npos) {
      continue;
    }
    std::size_t predicted = 0, correct = 0;
    for (const std::string& label : accepted_labels().at(slot)) {
      predicted += labels[label].predicted_chars;
      correct += labels[label].correct_chars;
    }
    const double recall = ratio(counts.found_chars, counts.gold_chars);
    const double precision = ratio(correct, predicted);
    fmt::print("{:<16} {:>8} {:>8.2f}% {:>9.2f}% {:>7.3f} {:>7}\n", slot, counts.mentions,
               100 * recall, 100 * precision, f2(precision, recall), counts.leaks);
    if (structured_slot(slot)) {
      struct_gold += counts.gold_chars;
      struct_found += counts.found_chars;
    }
    mentions += counts.mentions;
    leaks += counts.leaks;
  }
  std::size_t struct_predicted = 0, struct_correct = 0;
  for (const auto& [label, counts] : labels) {
    if (structured_label(label)) {
      struct_predicted += counts.predicted_chars;
      struct_correct += counts.correct_chars;
    }
  }
  const double struct_recall = ratio(struct_found, struct_gold);
  const double struct_precision = ratio(struct_correct, struct_predicted);
  const Counts& zh_names = slots["zh PERSON_ZH"];
  const double name_recall = ratio(zh_names.found_chars, zh_names.gold_chars);
  const double leak_rate = ratio(leaks, mentions);
  fmt::print("\nnear-miss negatives touched by a detection: {} of {}\n", negatives_hit, negatives);
  fmt::print("restore round-trip failures: {} of {} documents\n", roundtrip_failures, docs.size());
  // Ordinary chat without personal data (chat_plain_*.txt): every detection there is a false
  // positive that hides words from the model. Reported, not a target.
  std::size_t plain_messages = 0;
  std::size_t plain_flagged = 0;
  std::size_t plain_spans = 0;
  for (const std::string language : {"zh", "en"}) {
    for (const std::string& message : read_lines(dir + "/chat_plain_" + language + ".txt")) {
      auto found = (*detector)->detect(message);
      if (!found) {
        fmt::print(stderr, "detect failed: {}\n", found.error().describe());
        return 2;
      }
      ++plain_messages;
      plain_spans += found->size();
      plain_flagged += found->empty() ? 0 : 1;
      for (const Entity& entity : show_misses ? *found : std::vector<Entity>()) {
        fmt::print("PLAIN {} [{}] in: {}\n", (*detector)->types()[entity.type].id,
                   message.substr(entity.start, entity.end - entity.start), message);
      }
    }
  }
  fmt::print("plain chat messages with a detection (false positives): {} of {} ({} spans)\n\n",
             plain_flagged, plain_messages, plain_spans);
  bool ok = true;
  auto target = [&](std::string_view what, double value, double goal, bool at_least) {
    const bool met = at_least ? value >= goal : value <= goal;
    ok = ok && met;
    fmt::print("{:<52} {:>8.3f}%  target {} {:.1f}%  {}\n", what, 100 * value,
               at_least ? ">=" : "<=", 100 * goal, met ? "met" : "MISSED");
  };
  target("structured identifiers, recall (characters)", struct_recall, 0.995, true);
  target("structured identifiers, precision (characters)", struct_precision, 0.99, true);
  target("Chinese person names in context, recall (characters)", name_recall, 0.90, true);
  target("verbatim leak rate (mentions)", leak_rate, 0.005, false);
  ok = ok && roundtrip_failures == 0;
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace chitin::privacy::eval

int main(int argc, char** argv) { return chitin::privacy::eval::run(argc, argv); }
