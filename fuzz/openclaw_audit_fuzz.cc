// Fuzz target: an OpenClaw installation's openclaw.json (another program's file, possibly
// hand-edited or hostile) through everything Chitin does with it: the include reader, every
// doctor check that walks the settings, and the importer's plan. Any input must give a report
// or a clear error, never a crash; reports always serialise.

#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "doctor/openclaw_audit.h"
#include "doctor/openclaw_import.h"
#include "fuzz_target.h"
#include "sys/file_ops.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string dir = [] {
    char pattern[] = "/tmp/openclaw-fuzz-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    if (made == nullptr) {
      std::abort();
    }
    return std::string(made);
  }();
  // The scratch directory goes when the process ends (replays in ctest leave nothing in /tmp).
  static const bool cleanup = [] {
    return std::atexit([] {
             std::error_code ignored;
             std::filesystem::remove_all(dir, ignored);
           }) == 0;
  }();
  (void)cleanup;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!chitin::sys::write_file_atomic(dir + "/openclaw.json", text, 0600)) {
    std::abort();
  }
  chitin::doctor::OpenClawOptions options;
  options.scan_secrets = false;  // the privacy detector has its own target
  options.scan_skills = false;
  auto report = chitin::doctor::audit_openclaw(dir, options);
  if (!report) {
    std::abort();  // a directory always gives a report; a bad config is a finding
  }
  (void)report->to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto plan = chitin::doctor::plan_openclaw_import(dir, chitin::doctor::ImportContext{});
  if (plan) {
    (void)plan->report_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    (void)plan->policy.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return 0;
}
