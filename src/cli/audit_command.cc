// `chitin audit verify|tail|export`: read-only views of the tamper-evident audit log.

#include <fmt/core.h>
#include <unistd.h>

#include <deque>
#include <thread>

#include <CLI/CLI.hpp>

#include "audit/ocsf.h"
#include "audit/reader.h"
#include "audit/verify.h"
#include "cli/command.h"
#include "config/state_dir.h"

namespace chitin::cli {

namespace {

struct TailOptions {
  std::size_t count = 20;
  bool follow = false;
  std::string type_prefix;
  bool json = false;
};

struct ExportOptions {
  std::string format = "jsonl";
  std::string since;
};

int run_verify(const CommandContext& context, bool json) {
  const auto paths = initialised_paths(context);
  if (!paths) {
    return kExitUsage;
  }
  auto key = config::load_audit_public_key(*paths);
  if (!key) {
    print_error(key.error());
    return kExitProblem;
  }
  auto report = audit::verify_log(paths->audit_dir(), *key);
  if (!report) {
    print_error(report.error());
    return kExitProblem;
  }
  if (json) {
    fmt::print("{}\n", report->to_json().dump());
  } else {
    fmt::print("{}", report->to_text());
  }
  return report->ok() ? kExitOk : kExitProblem;
}

// Prints one record; false if it could not be parsed (reported once per call).
bool print_record(const std::string& line, const audit::RecordFilter& filter, bool json) {
  auto record = audit::parse_record(line);
  if (!record) {
    print_error("skipping a line that is not an audit record; run 'chitin audit verify'");
    return false;
  }
  if (!filter.matches(*record)) {
    return true;
  }
  if (json) {
    fmt::print("{}\n", line);
  } else {
    fmt::print("{}\n", audit::format_record_text(*record));
  }
  return true;
}

int run_tail(const CommandContext& context, const TailOptions& options) {
  const auto paths = initialised_paths(context);
  if (!paths) {
    return kExitUsage;
  }
  audit::LogFollower follower(paths->audit_dir());
  const audit::RecordFilter filter{options.type_prefix, 0};
  // Keep the last N matching lines (streamed: memory is N lines, not the log).
  std::deque<std::string> last;
  auto read = follower.for_each_new([&](std::string_view line) {
    auto record = audit::parse_record(line);
    if (record && filter.matches(*record)) {
      last.emplace_back(line);
      if (last.size() > options.count) {
        last.pop_front();
      }
    }
  });
  if (!read) {
    print_error(read.error());
    return kExitProblem;
  }
  for (const std::string& line : last) {
    print_record(line, filter, options.json);
  }
  std::fflush(stdout);
  while (options.follow) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto more = follower.read_new();
    if (!more) {
      print_error(more.error());
      return kExitProblem;
    }
    for (const std::string& line : *more) {
      print_record(line, filter, options.json);
    }
    if (std::fflush(stdout) != 0) {
      return kExitOk;  // the reader went away (e.g. `| head`)
    }
  }
  return kExitOk;
}

int run_export(const CommandContext& context, const ExportOptions& options) {
  audit::RecordFilter filter;
  if (!options.since.empty()) {
    auto since = audit::parse_rfc3339_micros(options.since);
    if (!since) {
      print_error(since.error());
      return kExitUsage;
    }
    filter.since_us = *since;
  }
  const auto paths = initialised_paths(context);
  if (!paths) {
    return kExitUsage;
  }
  audit::LogFollower follower(paths->audit_dir());
  int bad = 0;
  auto read = follower.for_each_new([&](std::string_view line) {
    auto record = audit::parse_record(line);
    if (!record) {
      ++bad;
      return;
    }
    if (!filter.matches(*record)) {
      return;
    }
    if (options.format == "ocsf") {
      fmt::print("{}\n", audit::to_ocsf(*record).dump(-1, ' ', false,
                                                      nlohmann::json::error_handler_t::replace));
    } else {
      fmt::print("{}\n", line);
    }
  });
  if (!read) {
    print_error(read.error());
    return kExitProblem;
  }
  if (bad > 0) {
    print_error(
        fmt::format("{} line(s) were not audit records and were left out; run 'chitin "
                    "audit verify'",
                    bad));
    return kExitProblem;
  }
  return kExitOk;
}

}  // namespace

void add_audit_command(CLI::App& app, CommandContext& context) {
  CLI::App* audit = app.add_subcommand("audit", "Verify, tail and export the audit log.");
  audit->group("Commands");
  audit->require_subcommand(1);

  CLI::App* verify = audit->add_subcommand(
      "verify",
      "Check the hash chain, every checkpoint signature and the signed head. Exit 0 if intact "
      "(a torn final record from a crash is reported, not failed), 1 naming the first bad seq "
      "and the kind of damage.");
  auto verify_json = std::make_shared<bool>(false);
  verify->add_flag("--json", *verify_json, "Print the report as JSON");
  verify->callback(
      [&context, verify_json] { context.exit_code = run_verify(context, *verify_json); });

  CLI::App* tail = audit->add_subcommand("tail", "Print the latest records.");
  auto tail_options = std::make_shared<TailOptions>();
  tail->add_option("-n", tail_options->count, "How many records (default 20)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1000000}));
  tail->add_flag("-f,--follow", tail_options->follow, "Keep printing new records");
  tail->add_option("--type", tail_options->type_prefix,
                   "Only types equal to or under this prefix, e.g. auth or tool.exec");
  tail->add_flag("--json", tail_options->json, "JSON Lines: the stored records, one per line");
  tail->callback(
      [&context, tail_options] { context.exit_code = run_tail(context, *tail_options); });

  CLI::App* export_command = audit->add_subcommand("export", "Export records for a SIEM.");
  auto export_options = std::make_shared<ExportOptions>();
  export_command->add_option("--format", export_options->format, "jsonl (default) or ocsf")
      ->check(CLI::IsMember({"jsonl", "ocsf"}));
  export_command->add_option("--since", export_options->since,
                             "Only records at or after this RFC 3339 UTC time");
  export_command->callback(
      [&context, export_options] { context.exit_code = run_export(context, *export_options); });
}

}  // namespace chitin::cli
