// Test helper for the crash test: appends audit records to $CHITIN_HOME/audit as fast as it
// can until killed. Every 100th record is critical, so it (and everything before it) is on
// disk when append returns; every 1,000 records the helper prints the seq of the latest such
// record, so the test knows a floor of what must survive the SIGKILL it sends.

#include <cstdio>
#include <cstdlib>

#include "audit/log.h"
#include "config/state_dir.h"

int main() {
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
      std::fprintf(stderr, "helper: %s\n", seq.error().describe().c_str());
      return 1;
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
