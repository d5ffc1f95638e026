// Test helper for the crash test: appends audit records to $CHITIN_HOME/audit as fast as it
// can until killed. Every 100th record is critical, so it (and everything before it) is on
// disk when append returns; every 1,000 records the helper prints the seq of the latest such
// record, so the test knows a floor of what must survive the SIGKILL it sends.
//
// With --file-size-limit BYTES it first sets RLIMIT_FSIZE (and ignores SIGXFSZ), so writes
// past that size fail with EFBIG the way a full disk fails with ENOSPC: the helper must then
// see its appends refused, print the refusal to stderr and exit 3.

#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "audit/log.h"
#include "base/parse.h"
#include "config/state_dir.h"

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[1]) == "--file-size-limit") {
    auto limit = chitin::parse_integer<rlim_t>(argv[2]);
    const rlimit fsize{*limit, *limit};
    if (!limit || setrlimit(RLIMIT_FSIZE, &fsize) != 0) {
      return 2;
    }
    signal(SIGXFSZ, SIG_IGN);
  }
  auto paths = chitin::config::resolve_state_paths(std::nullopt);
  if (!paths) {
    std::fprintf(stderr, "helper: %s\n", paths.error().describe().c_str());
    return 2;
  }
  auto key = chitin::config::load_audit_secret_key(*paths);
  if (!key) {
    std::fprintf(stderr, "helper: %s\n", key.error().describe().c_str());
    return 2;
  }
  chitin::audit::LogOptions options;
  options.dir = paths->audit_dir();
  options.flush_interval = std::chrono::milliseconds(5);
  options.segment_max_bytes = 256 * 1024;  // rotate often, so a kill may land mid-rotation
  auto log = chitin::audit::AuditLog::open(options, std::move(*key));
  if (!log) {
    std::fprintf(stderr, "helper: %s\n", log.error().describe().c_str());
    return 2;
  }
  std::uint64_t durable = 0;
  for (std::uint64_t i = 0;; ++i) {
    const char* type = i % 100 == 0 ? "auth.ok" : "tool.exec";
    auto seq = (*log)->append(chitin::audit::Event{
        type, "helper", "crash", {{"i", i}, {"padding", std::string(i % 300, 'p')}}});
    if (!seq) {
      std::fprintf(stderr, "helper: append refused: %s\n", seq.error().describe().c_str());
      std::fprintf(stderr, "helper: health: %s\n", (*log)->health().problem.c_str());
      return 3;
    }
    if (i % 100 == 0) {
      durable = *seq;
    }
    if (i % 1000 == 999) {
      std::printf("%llu\n", static_cast<unsigned long long>(durable));
      std::fflush(stdout);
    }
  }
}
