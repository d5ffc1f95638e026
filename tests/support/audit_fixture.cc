#include "support/audit_fixture.h"

#include <gtest/gtest.h>

#include "audit/reader.h"
#include "audit/record.h"
#include "audit/segments.h"
#include "base/check.h"
#include "base/encoding.h"

namespace chitin::testing {

AuditFixture::AuditFixture() : pair_(crypto::ed25519_generate()) {}

crypto::Ed25519SecretKey AuditFixture::secret_key() const {
  auto copy = crypto::Ed25519SecretKey::from_bytes(pair_.secret_key.bytes());
  CHITIN_CHECK(copy.has_value(), "key copy failed");
  return std::move(*copy);
}

audit::LogOptions AuditFixture::options() const {
  audit::LogOptions options;
  options.dir = dir();
  options.flush_interval = std::chrono::milliseconds(2);
  return options;
}

std::unique_ptr<audit::AuditLog> AuditFixture::open(const audit::LogOptions& options) {
  auto log = audit::AuditLog::open(options, secret_key());
  CHITIN_CHECK(log.has_value(), log ? "" : log.error().describe());
  return std::move(*log);
}

void AuditFixture::write_events(int count, const audit::LogOptions& options) {
  auto log = open(options);
  for (int i = 0; i < count; ++i) {
    auto seq = log->append(audit::Event{"tool.exec", "agent:test", "s1", {{"i", i}}});
    CHITIN_CHECK(seq.has_value(), "append failed");
  }
  CHITIN_CHECK(log->close().has_value(), "close failed");
}

std::vector<std::string> AuditFixture::lines(int segment) const {
  const std::string text = read_text(audit::segment_path(dir(), segment));
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t newline = std::min(text.find('\n', start), text.size());
    out.push_back(text.substr(start, newline - start));
    start = newline + 1;
  }
  return out;
}

void AuditFixture::set_lines(const std::vector<std::string>& lines, int segment) const {
  std::string text;
  for (const auto& line : lines) {
    text += line + "\n";
  }
  write_text(audit::segment_path(dir(), segment), text);
}

std::size_t AuditFixture::index_of(std::uint64_t seq, int segment) const {
  const auto all = lines(segment);
  for (std::size_t i = 0; i < all.size(); ++i) {
    auto frame = audit::parse_frame(all[i]);
    if (frame && frame->seq == seq) {
      return i;
    }
  }
  ADD_FAILURE() << "seq " << seq << " not found";
  return 0;
}

void AuditFixture::rechain(std::vector<std::string>& lines, std::size_t from) {
  audit::Hash prev = audit::kGenesisPrev;
  if (from > 0) {
    prev = audit::parse_frame(lines[from - 1])->stored_hash;
  }
  for (std::size_t i = from; i < lines.size(); ++i) {
    auto record = audit::parse_record(lines[i]);
    CHITIN_CHECK(record.has_value(), "rechain: not a record");
    auto encoded = audit::encode_record(
        record->seq, record->ts,
        audit::Event{record->type, record->actor, record->session, record->details}, prev);
    CHITIN_CHECK(encoded.has_value(), "rechain: encode failed");
    lines[i] = encoded->line.substr(0, encoded->line.size() - 1);
    prev = encoded->hash;
  }
}

std::vector<std::string> audit_record_types(audit::AuditLog& log, const std::string& audit_dir) {
  EXPECT_TRUE(log.flush());
  std::vector<std::string> types;
  audit::LogFollower follower(audit_dir);
  EXPECT_TRUE(follower.for_each_new([&](std::string_view line) {
    if (auto record = audit::parse_record(line)) {
      types.push_back(record->type);
    }
  }));
  return types;
}

}  // namespace chitin::testing
