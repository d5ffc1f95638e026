#include "audit/segments.h"

#include <dirent.h>
#include <fmt/format.h>

#include <algorithm>

#include "base/encoding.h"
#include "base/parse.h"
#include "base/unique_fd.h"
#include "sys/file_ops.h"

namespace chitin::audit {

namespace {

constexpr std::string_view kSegmentPrefix = "segment-";
constexpr std::string_view kSegmentSuffix = ".log";
constexpr std::size_t kMaxHeadBytes = 4096;
constexpr std::string_view kCheckpointType = R"(,"type":"audit.checkpoint",)";

std::string head_message(std::uint64_t seq, const Hash& hash) {
  return fmt::format("chitin.audit.head.v1\n{}\n{}\n", seq, hex_encode(hash));
}

std::string checkpoint_message(std::uint64_t seq, const Hash& prev) {
  return fmt::format("chitin.audit.checkpoint.v1\n{}\n{}\n", seq, hex_encode(prev));
}

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};

}  // namespace

std::string segment_path(const std::string& dir, std::uint64_t number) {
  return fmt::format("{}/{}{:06}{}", dir, kSegmentPrefix, number, kSegmentSuffix);
}

std::string head_path(const std::string& dir) { return dir + "/head"; }

Result<std::vector<Segment>> list_segments(const std::string& dir) {
  std::unique_ptr<DIR, DirCloser> handle(opendir(dir.c_str()));
  if (!handle) {
    return errno_fail(fmt::format("cannot list {}", dir));
  }
  std::vector<Segment> out;
  while (const dirent* entry = readdir(handle.get())) {
    const std::string_view name(entry->d_name);
    if (!name.starts_with(kSegmentPrefix)) {
      continue;
    }
    if (!name.ends_with(kSegmentSuffix)) {
      return fail(ErrorCode::kInvalidInput,
                  "{}/{} is not a segment name (segment-NNNNNN.log); move it out of the audit "
                  "directory",
                  dir, name);
    }
    const std::string_view digits = name.substr(
        kSegmentPrefix.size(), name.size() - kSegmentPrefix.size() - kSegmentSuffix.size());
    auto number = parse_integer<std::uint64_t>(digits, 1);
    if (!number || digits.size() < 6) {
      return fail(ErrorCode::kInvalidInput,
                  "{}/{} has a bad segment number; move it out of the audit directory", dir, name);
    }
    out.push_back(Segment{*number, fmt::format("{}/{}", dir, name)});
  }
  std::sort(out.begin(), out.end(),
            [](const Segment& a, const Segment& b) { return a.number < b.number; });
  for (std::size_t i = 1; i < out.size(); ++i) {
    if (out[i].number == out[i - 1].number) {
      return fail(ErrorCode::kInvalidInput,
                  "{} and {} have the same segment number; move one out of the audit directory",
                  out[i - 1].path, out[i].path);
    }
  }
  return out;
}

Head sign_head(const crypto::Ed25519SecretKey& key, std::uint64_t seq, const Hash& hash) {
  Head head;
  head.seq = seq;
  head.hash = hash;
  head.signature = crypto::ed25519_sign(key, as_bytes(head_message(seq, hash)));
  return head;
}

Result<void> verify_head(const crypto::Ed25519PublicKey& key, const Head& head) {
  return crypto::ed25519_verify(key, as_bytes(head_message(head.seq, head.hash)), head.signature);
}

Result<void> write_head(const std::string& dir, const Head& head) {
  const std::string text = fmt::format("{{\"seq\":{},\"hash\":\"{}\",\"sig\":\"{}\"}}\n", head.seq,
                                       hex_encode(head.hash), base64_encode(head.signature));
  CHITIN_TRY(sys::write_file_atomic(head_path(dir), text, 0600));
  return {};
}

Result<std::optional<Head>> read_head(const std::string& dir) {
  auto text = sys::read_file(head_path(dir), kMaxHeadBytes);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) {
      return std::optional<Head>();
    }
    return fail(text.error());
  }
  const nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  const auto malformed = [&] {
    return fail(ErrorCode::kIntegrity, "{} is malformed", head_path(dir));
  };
  if (j.is_discarded() || !j.is_object() || !j.contains("seq") || !j["seq"].is_number_unsigned() ||
      !j.contains("hash") || !j["hash"].is_string() || !j.contains("sig") ||
      !j["sig"].is_string()) {
    return malformed();
  }
  Head head;
  head.seq = j["seq"].get<std::uint64_t>();
  auto hash = hex_decode(j["hash"].get<std::string>());
  auto sig = base64_decode(j["sig"].get<std::string>());
  if (!hash || hash->size() != head.hash.size() || !sig || sig->size() != head.signature.size()) {
    return malformed();
  }
  std::copy(hash->begin(), hash->end(), head.hash.begin());
  std::copy(sig->begin(), sig->end(), head.signature.begin());
  return std::optional<Head>(head);
}

nlohmann::json checkpoint_details(const crypto::Ed25519SecretKey& key, std::uint64_t seq,
                                  const Hash& prev, std::string_view reason) {
  const auto signature = crypto::ed25519_sign(key, as_bytes(checkpoint_message(seq, prev)));
  return nlohmann::json{{"key", key_id(key.public_key())},
                        {"reason", std::string(reason)},
                        {"sig", base64_encode(signature)}};
}

Result<void> verify_checkpoint(const crypto::Ed25519PublicKey& key, std::uint64_t seq,
                               const Hash& prev, const nlohmann::json& details) {
  const auto sig = details.find("sig");
  if (sig == details.end() || !sig->is_string()) {
    return fail(ErrorCode::kIntegrity, "checkpoint has no signature");
  }
  auto bytes = base64_decode(sig->get<std::string>());
  if (!bytes) {
    return fail(ErrorCode::kIntegrity, "checkpoint signature is not base64");
  }
  return crypto::ed25519_verify(key, as_bytes(checkpoint_message(seq, prev)), *bytes);
}

bool is_checkpoint_line(std::string_view line) {
  // The first `,"type":"` is the type field: the only field before it (ts) is a JSON string,
  // which cannot contain an unescaped quote.
  const auto at = line.find(R"(,"type":")");
  return at != std::string_view::npos && line.substr(at, kCheckpointType.size()) == kCheckpointType;
}

std::string key_id(const crypto::Ed25519PublicKey& key) {
  return "ed25519:" + hex_encode(std::span(key).first(8));
}

}  // namespace chitin::audit
