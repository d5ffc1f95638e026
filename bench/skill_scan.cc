// Skill scanner throughput benchmark (issue #5). Run by hand on a release build:
//   build/release/bin/skill_scan [SKILLS] [FIXTURES_DIR]
// Generates SKILLS (default 1,000) skill folders in a temporary directory from the benign and
// malicious fixtures (each copy varied: its own name, extra prose in SKILL.md, a reference
// document of 8-64 KiB, so sizes spread like real skills), then in the same run:
//   baseline  reads every file of every skill (open + read, warm cache): the I/O floor;
//   scan      Scanner::scan_skill on every skill: parse, YARA, decoding, manifest checks.
// Prints skills/s and MB/s for both and the scan's share of the baseline's throughput, plus
// how many skills were flagged high (the fixtures are ~1/4 malicious by design).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "base/parse.h"
#include "skills/scanner.h"
#include "sys/file_ops.h"
#include "sys/temp_directory.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::vector<fs::path> fixture_skills(const fs::path& root) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && entry.path().filename() == "SKILL.md") {
      out.push_back(entry.path().parent_path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

const char* const kProse[] = {
    "Use this skill when the user asks for a summary of recent changes in the repository. ",
    "The script prints Markdown; paste it into the release notes after reviewing it. ",
    "Results are cached in the workspace for one hour to avoid repeated API calls. ",
    "如果用户需要中文输出，请在调用脚本时加上 --lang zh 参数，结果会以表格形式显示。",
    "Errors are printed to stderr with a hint on how to fix them; the exit code is non-zero. ",
    "Rate limits apply: the upstream API allows sixty requests per minute per token. ",
};

std::string prose(std::mt19937& rng, std::size_t bytes) {
  std::string out;
  std::uniform_int_distribution<std::size_t> pick(0, std::size(kProse) - 1);
  while (out.size() < bytes) {
    out += kProse[pick(rng)];
    if (rng() % 7 == 0) {
      out += "\n\n";
    }
  }
  return out;
}

std::uint64_t generate(const std::vector<fs::path>& fixtures, const fs::path& into, int count) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<std::size_t> reference_size(8 << 10, 64 << 10);
  std::uint64_t total = 0;
  for (int i = 0; i < count; ++i) {
    const fs::path& source = fixtures[static_cast<std::size_t>(i) % fixtures.size()];
    const fs::path dest = into / ("skill-" + std::to_string(i));
    fs::copy(source, dest, fs::copy_options::recursive);
    fs::remove(dest / "EXPECT");
    {
      std::ofstream md(dest / "SKILL.md", std::ios::app);
      md << "\n## Notes\n\n" << prose(rng, 2048) << "\n";
    }
    fs::create_directories(dest / "references");
    std::ofstream ref(dest / "references" / "guide.md");
    ref << "# Guide\n\n" << prose(rng, reference_size(rng)) << "\n";
    ref.close();
    for (const auto& entry : fs::recursive_directory_iterator(dest)) {
      if (entry.is_regular_file()) {
        total += entry.file_size();
      }
    }
  }
  return total;
}

std::uint64_t read_all_files(const fs::path& root) {
  std::uint64_t bytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) {
      auto text = chitin::sys::read_file(entry.path().string(), 64 << 20);
      bytes += text ? text->size() : 0;
    }
  }
  return bytes;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int count =
      argc > 1 ? chitin::parse_integer<int>(argv[1], 1, 1000000).value_or(1000) : 1000;
  const fs::path fixtures_root = argc > 2 ? argv[2] : "tests/skills/fixtures";
  const auto fixtures = fixture_skills(fixtures_root);
  if (fixtures.empty()) {
    std::fprintf(stderr, "no fixture skills under %s (run from the repository root)\n",
                 fixtures_root.c_str());
    return 2;
  }
  auto scratch = chitin::sys::TempDirectory::create("chitin-skill-bench");
  auto scanner = chitin::skills::Scanner::create();
  if (!scratch || !scanner) {
    std::fprintf(stderr, "setup failed\n");
    return 1;
  }
  const std::uint64_t bytes = generate(fixtures, scratch->path(), count);
  std::printf("corpus: %d skills from %zu fixtures, %.1f MB (%.1f KB per skill)\n", count,
              fixtures.size(), static_cast<double>(bytes) / 1e6,
              static_cast<double>(bytes) / 1e3 / count);

  read_all_files(scratch->path());  // warm the page cache
  auto start = Clock::now();
  const std::uint64_t read_bytes = read_all_files(scratch->path());
  const double read_s = seconds_since(start);

  int flagged = 0;
  start = Clock::now();
  for (int i = 0; i < count; ++i) {
    auto report = scanner->scan_skill(scratch->path() + "/skill-" + std::to_string(i));
    if (!report) {
      std::fprintf(stderr, "scan failed: %s\n", report.error().message.c_str());
      return 1;
    }
    flagged += report->at_or_above(chitin::skills::Severity::kHigh) ? 1 : 0;
  }
  const double scan_s = seconds_since(start);

  const double mb = static_cast<double>(read_bytes) / 1e6;
  std::printf("baseline read: %8.0f skills/s %8.1f MB/s\n", count / read_s, mb / read_s);
  std::printf("scan:          %8.0f skills/s %8.1f MB/s (%.2f of the read baseline)\n",
              count / scan_s, mb / scan_s, read_s / scan_s);
  std::printf("flagged high:  %d of %d skills\n", flagged, count);
  return 0;
}
