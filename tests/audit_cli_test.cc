// End-to-end tests of `chitin audit`: a log written by real processes, a writer killed with
// SIGKILL mid-stream, and tampering found by the CLI with the right seq and kind.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "audit/record.h"
#include "audit/segments.h"
#include "base/child_process.h"
#include "support/chitin_cli.h"
#include "support/temp_dir.h"

namespace chitin {
namespace {

using chitin::testing::read_text;
using chitin::testing::TempDir;
using chitin::testing::write_text;

class AuditCliTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(chitin({"init"}).status.code, 0); }

  std::vector<std::string> env() const {
    return {"CHITIN_HOME=" + home(), "HOME=" + dir_.path(), "PATH=/usr/bin:/bin"};
  }
  CapturedRun chitin(std::vector<std::string> args) {
    return chitin::testing::ChitinCli{CHITIN_BINARY, home(), dir_.path()}.run(args);
  }
  std::string home() const { return dir_.file("state"); }
  std::string audit_dir() const { return home() + "/audit"; }

  // Runs the writer helper until it reports at least `records`, then SIGKILLs it.
  std::uint64_t write_then_kill(std::uint64_t records) {
    SpawnOptions options;
    options.argv = {AUDIT_WRITER_HELPER};
    options.env = env();
    options.stdout_mode = Stdio::kPipe;
    auto child = ChildProcess::spawn(options);
    EXPECT_TRUE(child.has_value());
    std::uint64_t last = 0;
    std::string buffer;
    char chunk[256];
    while (last < records) {
      const ssize_t n = ::read(child->stdout_pipe().get(), chunk, sizeof(chunk));
      if (n <= 0) {
        ADD_FAILURE() << "writer helper stopped early";
        break;
      }
      buffer.append(chunk, static_cast<std::size_t>(n));
      std::size_t newline;
      while ((newline = buffer.find('\n')) != std::string::npos) {
        last = std::stoull(buffer.substr(0, newline));
        buffer.erase(0, newline + 1);
      }
    }
    EXPECT_TRUE(child->kill(SIGKILL).has_value());
    auto status = child->wait();
    EXPECT_EQ(status->signal, SIGKILL);
    return last;
  }

  nlohmann::json verify_json() {
    auto run = chitin({"audit", "verify", "--json"});
    auto j = nlohmann::json::parse(run.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << run.out << run.err;
    return j;
  }

  TempDir dir_;
};

TEST_F(AuditCliTest, InitIsAuditedAndTheLogVerifies) {
  auto run = chitin({"audit", "verify"});
  EXPECT_EQ(run.status.code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("audit log ok: 3 records"), std::string::npos) << run.out;
  auto tail = chitin({"audit", "tail", "--type", "config", "--json"});
  EXPECT_EQ(tail.status.code, 0);
  auto record = nlohmann::json::parse(tail.out);
  EXPECT_EQ(record["type"], "config.init");
  EXPECT_EQ(record["seq"], 2);
}

TEST_F(AuditCliTest, SurvivesSigkillMidStreamAndReportsATornTail) {
  const std::uint64_t durable = write_then_kill(20000);
  nlohmann::json report = verify_json();
  EXPECT_EQ(report["ok"], true) << report.dump();
  EXPECT_GE(report["last_seq"].get<std::uint64_t>(), durable);
  EXPECT_GE(report["segments"].get<int>(), 2);

  // Power-loss simulation on top: a record cut in half at the end of the last segment.
  const auto segments = *audit::list_segments(audit_dir());
  const std::string last = segments.back().path;
  write_text(last, read_text(last) + R"({"seq":999999,"ts":"2026-11-25T00:00)");
  auto torn = chitin({"audit", "verify"});
  EXPECT_EQ(torn.status.code, 0) << torn.out << torn.err;
  EXPECT_NE(torn.out.find("torn final record"), std::string::npos) << torn.out;
  report = verify_json();
  EXPECT_FALSE(report["torn_tail"].is_null());

  // The next writer repairs the tail and records that it did.
  write_then_kill(1000);
  report = verify_json();
  EXPECT_EQ(report["ok"], true) << report.dump();
  auto repairs = chitin({"audit", "tail", "-n", "1000000", "--type", "audit.repair", "--json"});
  EXPECT_NE(repairs.out.find("\"torn_bytes\":"), std::string::npos) << repairs.out;
}

TEST_F(AuditCliTest, FailsClosedWhenTheFileSystemRefusesWrites) {
  SpawnOptions options;
  options.argv = {AUDIT_WRITER_HELPER, "--file-size-limit", "200000"};
  options.env = env();
  auto run = run_captured(options);
  ASSERT_TRUE(run.has_value()) << run.error().describe();
  EXPECT_EQ(run->status.code, 3) << run->err;
  EXPECT_NE(run->err.find("the action is refused until it can"), std::string::npos) << run->err;
  EXPECT_NE(run->err.find("File too large"), std::string::npos) << run->err;
  // The diagnostic log said it once, and the health names the fault.
  EXPECT_NE(run->err.find("the audit log cannot be written"), std::string::npos) << run->err;
  EXPECT_NE(run->err.find("helper: health: "), std::string::npos);
  // What reached the disk is an intact prefix (perhaps with a torn final record).
  nlohmann::json report = verify_json();
  EXPECT_EQ(report["ok"], true) << report.dump();
}

TEST_F(AuditCliTest, NamesTheSeqAndKindOfDamage) {
  write_then_kill(3000);
  const std::string first = audit::segment_path(audit_dir(), 1);
  std::string text = read_text(first);
  // Delete the record with seq 100 (a clean cut at record boundaries).
  const std::size_t at = text.find("{\"seq\":100,");
  ASSERT_NE(at, std::string::npos);
  text.erase(at, text.find('\n', at) + 1 - at);
  write_text(first, text);
  auto run = chitin({"audit", "verify"});
  EXPECT_EQ(run.status.code, 1);
  EXPECT_NE(run.out.find("audit log damaged: deleted at seq 100"), std::string::npos) << run.out;
  nlohmann::json report = verify_json();
  EXPECT_EQ(report["damage"]["kind"], "deleted");
  EXPECT_EQ(report["damage"]["seq"], 100);
}

TEST_F(AuditCliTest, TailFiltersAndExportSpeaksOcsf) {
  auto tail = chitin({"audit", "tail", "-n", "2"});
  EXPECT_EQ(tail.status.code, 0);
  EXPECT_EQ(std::count(tail.out.begin(), tail.out.end(), '\n'), 2);
  auto ocsf = chitin({"audit", "export", "--format", "ocsf"});
  EXPECT_EQ(ocsf.status.code, 0) << ocsf.err;
  int lines = 0;
  std::size_t start = 0;
  while (start < ocsf.out.size()) {
    const std::size_t newline = ocsf.out.find('\n', start);
    auto event = nlohmann::json::parse(ocsf.out.substr(start, newline - start));
    EXPECT_TRUE(event.contains("class_uid"));
    EXPECT_TRUE(event.contains("type_uid"));
    EXPECT_EQ(event["metadata"]["product"]["name"], "Chitin");
    ++lines;
    start = newline + 1;
  }
  EXPECT_EQ(lines, 3);
  auto future = chitin({"audit", "export", "--since", "2999-01-01T00:00:00Z"});
  EXPECT_EQ(future.status.code, 0);
  EXPECT_TRUE(future.out.empty());
  auto bad = chitin({"audit", "export", "--since", "yesterday"});
  EXPECT_EQ(bad.status.code, 2);
  EXPECT_NE(bad.err.find("is not an RFC 3339 UTC time"), std::string::npos);
  auto bad_format = chitin({"audit", "export", "--format", "csv"});
  EXPECT_EQ(bad_format.status.code, 2);
}

}  // namespace
}  // namespace chitin
