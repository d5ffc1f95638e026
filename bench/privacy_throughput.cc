// Privacy filter benchmark (issue #6). Run by hand on a release build from the repository root:
//   build/release/bin/privacy_throughput [MEGABYTES] [CACHE_DIR]
// Builds MEGABYTES (default 16) of mixed zh/en chat text from the evaluation templates
// (tests/privacy/eval: every line carries personal data, so entity density is higher than in
// ordinary chat), then in the same run:
//   baseline   memchr over the text for '\n' and a byte copy: the memory floor;
//   detect     Detector::detect alone, built-in catalog;
//   redact     detect + replace, built-in catalog (target >= 50 MB/s per core);
//   chat       redact of ordinary chat messages (chat_plain_*.txt) with 0%, 10% and 25% of the
//              messages from the dense text;
//   redact+dict  with a 100,000-term user dictionary (target >= 20 MB/s);
//   redact+1M  with 50,000 user types holding 1,000,000 terms (target: within 2x of above);
//   restore    the redacted text back (target >= 200 MB/s): median of 5 warm passes, and the
//              first (cold) pass;
//   latency    redact of 4 KB messages, p50/p99/max (target p99 <= 1 ms);
//   RSS        after loading the built-in catalog and redacting (target <= 64 MB);
//   load       Detector::create from the compiled-pattern cache and without it.
// One thread throughout: figures are per core.

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "base/parse.h"
#include "privacy/redactor.h"
#include "privacy/restore.h"
#include "values.h"

namespace {

using Clock = std::chrono::steady_clock;
using chitin::privacy::Detector;
using chitin::privacy::DetectorOptions;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

long rss_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stol(line.substr(6));  // NOLINT: benchmark, trusted kernel text
    }
  }
  return -1;
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') {
      out.push_back(line);
    }
  }
  return out;
}

std::string build_corpus(std::size_t bytes, std::mt19937_64& rng) {
  const std::string dir = "tests/privacy/eval";
  chitin::privacy::eval::NameLists names{lines_of(dir + "/names_zh.txt"),
                                         lines_of(dir + "/names_en.txt")};
  std::vector<std::string> templates = lines_of(dir + "/templates_zh.txt");
  for (std::string& line : lines_of(dir + "/templates_en.txt")) {
    templates.push_back(std::move(line));
  }
  if (templates.empty() || names.zh.empty()) {
    std::fprintf(stderr, "run from the repository root (needs tests/privacy/eval)\n");
    std::exit(2);
  }
  std::string out;
  while (out.size() < bytes) {
    const std::string& pattern = templates[rng() % templates.size()];
    std::size_t at = 0;
    while (at < pattern.size()) {
      const std::size_t open = pattern.find('{', at);
      const std::size_t close = open == std::string::npos ? open : pattern.find('}', open);
      if (open == std::string::npos || close == std::string::npos) {
        out += pattern.substr(at);
        break;
      }
      out += pattern.substr(at, open - at);
      out += chitin::privacy::eval::generate_value(pattern.substr(open + 1, close - open - 1), rng,
                                                   names);
      at = close + 1;
    }
    out += '\n';
  }
  return out;
}

// Chat where only a share of the messages carries personal data: messages from the dense
// corpus (`dense`, one per line) with probability `share`, else ordinary chat messages without
// any (tests/privacy/eval/chat_plain_*.txt), until `bytes`.
std::string mix_chat(const std::string& dense, double share, std::size_t bytes,
                     std::mt19937_64& rng) {
  std::vector<std::string> plain = lines_of("tests/privacy/eval/chat_plain_zh.txt");
  for (std::string& line : lines_of("tests/privacy/eval/chat_plain_en.txt")) {
    plain.push_back(std::move(line));
  }
  if (plain.empty()) {
    std::fprintf(stderr, "run from the repository root (needs tests/privacy/eval/chat_plain_*)\n");
    std::exit(2);
  }
  std::uniform_real_distribution<double> coin(0, 1);
  std::string out;
  std::size_t next_dense = 0;
  while (out.size() < bytes) {
    if (coin(rng) < share) {
      const std::size_t end = dense.find('\n', next_dense);
      out.append(dense, next_dense, end - next_dense + 1);
      next_dense = end + 1 < dense.size() ? end + 1 : 0;
    } else {
      out += plain[rng() % plain.size()];
      out += '\n';
    }
  }
  return out;
}

// Random words for user dictionaries: Chinese 2-4 character terms and Latin words.
std::string random_term(std::mt19937_64& rng) {
  static const std::string kHan =
      "安百北长城大德东方飞丰福高光广国海航和宏华辉吉佳嘉建江金锦京景康蓝乐利联林龙美明南宁鹏平"
      "启瑞润森山盛世泰天通万伟文祥新信星兴旭雅阳业亿益永宇远云泽智中众卓";
  static const std::string kLatin = "abcdefghijklmnopqrstuvwxyz";
  std::string term;
  if (rng() % 2 == 0) {
    const std::size_t chars = 2 + rng() % 3;
    for (std::size_t i = 0; i < chars; ++i) {
      const std::size_t pick = (rng() % (kHan.size() / 3)) * 3;
      term += kHan.substr(pick, 3);
    }
  } else {
    const std::size_t letters = 5 + rng() % 8;
    for (std::size_t i = 0; i < letters; ++i) {
      term += kLatin[rng() % kLatin.size()];
    }
    term += "-" + std::to_string(rng() % 100000);
  }
  return term;
}

DetectorOptions with_dictionaries(std::size_t types, std::size_t terms, std::mt19937_64& rng,
                                  const std::string& cache) {
  DetectorOptions options;
  options.cache_dir = cache;
  for (std::size_t t = 0; t < types; ++t) {
    options.dictionaries.push_back({"DICT_" + std::to_string(t), {}});
  }
  for (std::size_t i = 0; i < terms; ++i) {
    options.dictionaries[i % types].terms.push_back(random_term(rng));
  }
  return options;
}

struct Rate {
  double mb_per_s;
  std::size_t entities;
};

Rate time_redact(const Detector& detector, const std::string& text, std::string* redacted,
                 chitin::privacy::Vault* vault_out) {
  chitin::privacy::Vault vault;
  chitin::privacy::Redactor redactor(detector, vault);
  std::size_t entities = 0;
  std::string out;
  const auto start = Clock::now();
  // Messages of about 64 KiB, as a chat session or a streamed file would arrive.
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = std::min(text.size(), at + 64 * 1024);
    end = text.find('\n', end);
    end = end == std::string::npos ? text.size() : end + 1;
    std::vector<chitin::privacy::Entity> found;
    auto piece = redactor.redact(std::string_view(text).substr(at, end - at), &found);
    if (!piece) {
      std::fprintf(stderr, "redact failed: %s\n", piece.error().describe().c_str());
      std::exit(1);
    }
    entities += found.size();
    out += *piece;
    at = end;
  }
  const double elapsed = seconds_since(start);
  if (redacted != nullptr) {
    *redacted = std::move(out);
  }
  if (vault_out != nullptr) {
    *vault_out = std::move(vault);
  }
  return {static_cast<double>(text.size()) / 1e6 / elapsed, entities};
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t megabytes =
      argc > 1
          ? static_cast<std::size_t>(chitin::parse_integer<long>(argv[1], 1, 4096).value_or(16))
          : 16;
  const std::string cache = argc > 2 ? argv[2] : "build/release/privacy-cache";
  std::mt19937_64 rng(20261206);
  const long rss_start = rss_kb();

  auto start = Clock::now();
  auto builtin =
      Detector::create({.dictionaries = {}, .patterns = {}, .min_score = 0.5F, .cache_dir = ""});
  const double compile_s = seconds_since(start);
  builtin =
      Detector::create({.dictionaries = {}, .patterns = {}, .min_score = 0.5F, .cache_dir = cache});
  start = Clock::now();
  builtin =
      Detector::create({.dictionaries = {}, .patterns = {}, .min_score = 0.5F, .cache_dir = cache});
  const double cached_s = seconds_since(start);
  if (!builtin) {
    std::fprintf(stderr, "%s\n", builtin.error().describe().c_str());
    return 1;
  }
  const std::string sample = build_corpus(256 * 1024, rng);
  (void)time_redact(**builtin, sample, nullptr, nullptr);
  const long rss_catalog = rss_kb();

  const std::string text = build_corpus(megabytes << 20, rng);
  std::printf("corpus: %.1f MB of mixed zh/en chat text from %s\n", text.size() / 1e6,
              "tests/privacy/eval templates");
  std::printf("load: compile %.0f ms, from cache %.1f ms\n", compile_s * 1000, cached_s * 1000);
  std::printf("RSS: %ld kB at start, %ld kB with the built-in catalog loaded and used\n", rss_start,
              rss_catalog);

  // Baselines: the memory floor.
  start = Clock::now();
  std::size_t lines = 0;
  for (const char* p = text.data();
       (p = static_cast<const char*>(std::memchr(p, '\n', text.data() + text.size() - p))) !=
       nullptr;
       ++p) {
    ++lines;
  }
  const double memchr_rate = text.size() / 1e6 / seconds_since(start);
  start = Clock::now();
  std::string copy = text;
  const double copy_rate = text.size() / 1e6 / seconds_since(start);
  std::printf("baseline: memchr %.0f MB/s (%zu lines), copy %.0f MB/s\n", memchr_rate, lines,
              copy_rate);

  start = Clock::now();
  std::size_t detected = 0;
  for (std::size_t at = 0; at < text.size(); at += 64 * 1024) {
    auto entities = (*builtin)->detect(std::string_view(text).substr(at, 64 * 1024));
    detected += entities ? entities->size() : 0;
  }
  const double detect_rate = text.size() / 1e6 / seconds_since(start);
  std::printf("detect only, built-in catalog: %.1f MB/s (%zu entities)\n", detect_rate, detected);

  std::string redacted;
  chitin::privacy::Vault vault;
  const Rate redact = time_redact(**builtin, text, &redacted, &vault);
  std::printf(
      "redact, built-in catalog (%zu types): %.1f MB/s, %zu entities (%.0f per MB) -- "
      "%.3f of memchr\n",
      (*builtin)->types().size(), redact.mb_per_s, redact.entities,
      redact.entities / (text.size() / 1e6), redact.mb_per_s / memchr_rate);

  // Ordinary chat: most messages carry no personal data. The share of those that do is not
  // known in general, so several are measured.
  for (const double share : {0.0, 0.1, 0.25}) {
    const std::string chat = mix_chat(text, share, text.size(), rng);
    const Rate rate = time_redact(**builtin, chat, nullptr, nullptr);
    std::printf(
        "redact, chat with %2.0f%% of messages carrying personal data: %.1f MB/s, "
        "%.0f entities per MB\n",
        share * 100, rate.mb_per_s, rate.entities / (chat.size() / 1e6));
  }

  // Restore: the first pass, and the median of five more. The first pass also pays for the
  // kernel's first touch of a fresh multi-megabyte output buffer; a long-running gateway
  // reuses its heap, so the later passes are the steady state. Both are reported.
  start = Clock::now();
  const std::string restored = chitin::privacy::restore(redacted, vault);
  const double first_restore_rate = redacted.size() / 1e6 / seconds_since(start);
  std::vector<double> restore_rates;
  for (int pass = 0; pass < 5; ++pass) {
    start = Clock::now();
    const std::string again = chitin::privacy::restore(redacted, vault);
    restore_rates.push_back(redacted.size() / 1e6 / seconds_since(start));
    if (again != restored) {
      std::fprintf(stderr, "restore is not deterministic\n");
      return 1;
    }
  }
  std::sort(restore_rates.begin(), restore_rates.end());
  std::printf(
      "restore: %.1f MB/s of redacted text, median of 5 passes (first pass %.1f MB/s; %s)\n",
      restore_rates[2], first_restore_rate,
      restored == text ? "round trip exact" : "round trip differs: same value, other spelling");

  // Latency of single 4 KB messages.
  std::vector<double> latencies;
  {
    chitin::privacy::Vault session;
    chitin::privacy::Redactor redactor(**builtin, session);
    for (std::size_t at = 0; at + 4096 <= text.size() && latencies.size() < 4000; at += 4096) {
      const auto t0 = Clock::now();
      auto out = redactor.redact(std::string_view(text).substr(at, 4096));
      latencies.push_back(seconds_since(t0) * 1e6);
      if (!out) {
        return 1;
      }
    }
    std::sort(latencies.begin(), latencies.end());
    std::printf("latency, 4 KB message: p50 %.0f us, p99 %.0f us, max %.0f us (%zu messages)\n",
                latencies[latencies.size() / 2], latencies[latencies.size() * 99 / 100],
                latencies.back(), latencies.size());
  }

  for (const auto& [types, terms] : {std::pair<std::size_t, std::size_t>{1, 100000},
                                     std::pair<std::size_t, std::size_t>{50000, 1000000}}) {
    start = Clock::now();
    auto detector = Detector::create(with_dictionaries(types, terms, rng, cache));
    const double load = seconds_since(start);
    if (!detector) {
      std::fprintf(stderr, "%s\n", detector.error().describe().c_str());
      return 1;
    }
    const Rate rate = time_redact(**detector, text, nullptr, nullptr);
    std::printf("redact + %zu user types / %zu terms: %.1f MB/s (load %.2f s, RSS %ld kB)\n", types,
                terms, rate.mb_per_s, load, rss_kb());
  }
  return 0;
}
