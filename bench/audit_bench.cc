// Audit log benchmark (issue #3). Run by hand on a release build:
//   cmake --preset release && cmake --build --preset release && build/release/bench/audit_bench
// Measures, in one run and on the same disk:
//   append   records/s with group commit (1 and 2 threads), p50/p99/max latency of an ordinary
//            append, p50/p99 of a critical (fsynced) append;
//   open     the writer's start on that log (it checks from the signed head on), against
//            reading its last segment whole;
//   verify   records/s for `audit verify` over the log just written.
// Each figure is set against a baseline measured in the same run, because the machines are
// shared and noisy: for append, writing the same bytes with the same batching but no encoding,
// hashing or signing (the I/O floor); for verify, reading the same files and hashing each line
// with BLAKE2b but checking nothing (the hashing floor).

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "audit/log.h"
#include "audit/record.h"
#include "audit/segments.h"
#include "audit/verify.h"
#include "base/crypto.h"
#include "base/parse.h"
#include "sys/file_ops.h"

namespace {

using Clock = std::chrono::steady_clock;
using chitin::audit::Event;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Event sample_event(std::uint64_t i) {
  return Event{"tool.exec",
               "agent:main",
               "telegram:12345",
               {{"argv", {"git", "status", "--short"}},
                {"cwd", "/workspace/project"},
                {"exit", 0},
                {"duration_ms", i % 1000},
                {"sandbox", "userns+landlock+seccomp"}}};
}

std::string make_dir(const std::string& name) {
  std::string path = "/tmp/chitin-bench-" + name + "-XXXXXX";
  if (mkdtemp(path.data()) == nullptr) {
    std::perror("mkdtemp");
    std::exit(1);
  }
  return path;
}

void remove_dir(const std::string& path) {
  const auto segments = *chitin::audit::list_segments(path);
  for (const auto& s : segments) {
    ::unlink(s.path.c_str());
  }
  ::unlink((path + "/head").c_str());
  ::unlink((path + "/lock").c_str());
  ::rmdir(path.c_str());
}

chitin::crypto::Ed25519SecretKey copy_key(const chitin::crypto::Ed25519SecretKey& key) {
  return std::move(*chitin::crypto::Ed25519SecretKey::from_bytes(key.bytes()));
}

struct AppendResult {
  double records_per_second = 0;
  std::vector<double> latencies_us;
};

AppendResult bench_append(const std::string& dir, const chitin::crypto::Ed25519SecretKey& key,
                          std::uint64_t records, int threads) {
  chitin::audit::LogOptions options;
  options.dir = dir;
  auto log = std::move(*chitin::audit::AuditLog::open(options, copy_key(key)));
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(threads));
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto& mine = latencies[static_cast<std::size_t>(t)];
      mine.reserve(records / static_cast<std::uint64_t>(threads));
      for (std::uint64_t i = static_cast<std::uint64_t>(t); i < records;
           i += static_cast<std::uint64_t>(threads)) {
        const auto before = Clock::now();
        if (!log->append(sample_event(i))) {
          std::fprintf(stderr, "append failed\n");
          std::exit(1);
        }
        mine.push_back(std::chrono::duration<double, std::micro>(Clock::now() - before).count());
      }
    });
  }
  for (auto& w : workers) {
    w.join();
  }
  if (!log->flush()) {  // all durable: the throughput includes the last fsync
    std::exit(1);
  }
  AppendResult result;
  result.records_per_second = static_cast<double>(records) / seconds_since(start);
  (void)log->close();
  for (auto& l : latencies) {
    result.latencies_us.insert(result.latencies_us.end(), l.begin(), l.end());
  }
  return result;
}

// The I/O floor: the same bytes, in batches of the size the log's group commit produced,
// each batch written and fdatasync'ed, with no encoding, hashing or signing.
double bench_raw_write(const std::string& dir, const std::vector<std::string>& lines,
                       std::size_t batch_records) {
  auto fd = std::move(*chitin::sys::open_file(dir + "/raw", O_WRONLY | O_CREAT | O_TRUNC, 0600));
  const auto start = Clock::now();
  std::string batch;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    batch += lines[i];
    batch += '\n';
    if ((i + 1) % batch_records == 0 || i + 1 == lines.size()) {
      (void)chitin::sys::write_all(fd.get(), batch);
      ::fdatasync(fd.get());
      batch.clear();
    }
  }
  const double rate = static_cast<double>(lines.size()) / seconds_since(start);
  ::unlink((dir + "/raw").c_str());
  return rate;
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
  return values[index];
}

std::vector<std::string> read_lines(const std::string& dir) {
  std::vector<std::string> lines;
  const auto segments = *chitin::audit::list_segments(dir);
  for (const auto& segment : segments) {
    const std::string data = *chitin::sys::read_file(segment.path, std::size_t{1} << 34);
    std::size_t start = 0;
    while (start < data.size()) {
      const std::size_t newline = data.find('\n', start);
      lines.emplace_back(data, start, newline - start);
      start = newline + 1;
    }
  }
  return lines;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t records = 1000000;
  if (argc > 1) {
    auto parsed = chitin::parse_integer<std::uint64_t>(argv[1], 1000);
    if (!parsed) {
      std::fprintf(stderr, "usage: audit_bench [RECORDS>=1000]: %s\n",
                   parsed.error().message.c_str());
      return 2;
    }
    records = *parsed;
  }
  const auto pair = chitin::crypto::ed25519_generate();
  std::printf("audit_bench: %llu records of ~%zu bytes\n", static_cast<unsigned long long>(records),
              chitin::audit::encode_record(1, chitin::audit::now_rfc3339(), sample_event(1),
                                           chitin::audit::kGenesisPrev)
                  ->line.size());

  // Append, one thread.
  const std::string dir1 = make_dir("append1");
  const AppendResult one = bench_append(dir1, pair.secret_key, records, 1);
  const std::vector<std::string> lines = read_lines(dir1);
  const std::size_t segments = chitin::audit::list_segments(dir1)->size();

  // Append, two threads.
  const std::string dir2 = make_dir("append2");
  const AppendResult two = bench_append(dir2, pair.secret_key, records, 2);
  remove_dir(dir2);

  // Baseline: the same bytes written raw, in batches of ~ what 50 ms of group commit holds at
  // the measured rate (at least 1 record).
  const auto batch = static_cast<std::size_t>(std::max(1.0, one.records_per_second * 0.05));
  const double raw = bench_raw_write(dir1, lines, batch);

  // Critical appends: each waits for its fsync.
  std::vector<double> critical;
  {
    chitin::audit::LogOptions options;
    options.dir = make_dir("critical");
    auto log = std::move(*chitin::audit::AuditLog::open(options, copy_key(pair.secret_key)));
    for (int i = 0; i < 500; ++i) {
      const auto before = Clock::now();
      (void)log->append(Event{"auth.ok", "gateway:127.0.0.1", "", {{"i", i}}});
      critical.push_back(std::chrono::duration<double, std::micro>(Clock::now() - before).count());
    }
    (void)log->close();
    remove_dir(options.dir);
  }

  // Open: what every `chitin` command pays before its first record. The writer checks only
  // from the signed head on; the baseline reads the last segment whole, as it did before.
  std::vector<double> opens;
  for (int i = 0; i < 5; ++i) {
    chitin::audit::LogOptions options;
    options.dir = dir1;
    const auto before = Clock::now();
    auto log = chitin::audit::AuditLog::open(options, copy_key(pair.secret_key));
    opens.push_back(std::chrono::duration<double, std::milli>(Clock::now() - before).count());
    if (!log) {
      std::fprintf(stderr, "open failed: %s\n", log.error().describe().c_str());
      return 1;
    }
    (void)(*log)->close();
  }
  const auto last_segment = chitin::audit::list_segments(dir1)->back();
  const auto read_start = Clock::now();
  const std::size_t last_bytes =
      chitin::sys::read_file(last_segment.path, std::size_t{1} << 34)->size();
  const double read_ms = seconds_since(read_start) * 1000;

  // Verify, against the hashing floor.
  auto verify_start = Clock::now();
  auto report = chitin::audit::verify_log(dir1, pair.public_key);
  const double verify_seconds = seconds_since(verify_start);
  if (!report || !report->ok()) {
    std::fprintf(stderr, "verify failed\n");
    return 1;
  }
  const auto hash_start = Clock::now();
  std::uint8_t sink = 0;
  const auto all_segments = *chitin::audit::list_segments(dir1);
  for (const auto& segment : all_segments) {
    const std::string data = *chitin::sys::read_file(segment.path, std::size_t{1} << 34);
    std::size_t start = 0;
    while (start < data.size()) {
      const std::size_t newline = data.find('\n', start);
      sink ^= chitin::audit::hash_prefix(std::string_view(data).substr(start, newline - start))[0];
      start = newline + 1;
    }
  }
  const double hash_rate = static_cast<double>(report->records) / seconds_since(hash_start);
  const double verify_rate = static_cast<double>(report->records) / verify_seconds;
  remove_dir(dir1);

  std::printf(
      "append, 1 thread, group commit : %10.0f records/s  (raw write baseline %10.0f/s, "
      "ratio %.2f)\n",
      one.records_per_second, raw, one.records_per_second / raw);
  std::printf("append, 2 threads, group commit: %10.0f records/s  (ratio to raw %.2f)\n",
              two.records_per_second, two.records_per_second / raw);
  std::printf("append latency, ordinary        : p50 %.1f us, p99 %.1f us, max %.0f us\n",
              percentile(one.latencies_us, 0.5), percentile(one.latencies_us, 0.99),
              percentile(one.latencies_us, 1.0));
  std::printf("append latency, critical (fsync): p50 %.0f us, p99 %.0f us\n",
              percentile(critical, 0.5), percentile(critical, 0.99));
  std::printf(
      "open (the writer's start)       : median %.2f ms of 5  (reading the last segment whole, "
      "%.1f MB: %.2f ms)\n",
      percentile(opens, 0.5), static_cast<double>(last_bytes) / 1e6, read_ms);
  std::printf(
      "verify                          : %10.0f records/s  (hash-only baseline %10.0f/s, "
      "ratio %.2f) over %llu records in %zu segments%s\n",
      verify_rate, hash_rate, verify_rate / hash_rate,
      static_cast<unsigned long long>(report->records), segments, sink == 255 ? " " : "");
  return 0;
}
