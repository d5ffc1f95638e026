#include "audit/record.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>

#include "base/encoding.h"
#include "base/json_depth.h"
#include "base/parse.h"

namespace chitin::audit {

namespace {

constexpr std::string_view kHashDomain = "chitin.audit.v1\n";
constexpr std::string_view kSeqPrefix = R"({"seq":)";
constexpr std::string_view kPrevKey = R"(,"prev":")";
constexpr std::string_view kHashKey = R"(,"hash":")";
// A line ends with  ,"prev":"<64>","hash":"<64>"}
constexpr std::size_t kTailBytes = kPrevKey.size() + 64 + 1 + kHashKey.size() + 64 + 2;

std::string json_string(std::string_view text) {
  // error_handler_t::replace: invalid UTF-8 becomes U+FFFD instead of an exception.
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<Hash> parse_hex_hash(std::string_view hex) {
  Hash out{};
  if (hex.size() != 64) {
    return fail(ErrorCode::kInvalidInput, "hash is not 64 hex digits");
  }
  auto bytes = hex_decode(hex);
  if (!bytes) {
    return fail(bytes.error());
  }
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

bool looks_like_secret(std::string_view s) {
  return s.find("chtn_") != std::string_view::npos ||
         (s.find("-----BEGIN") != std::string_view::npos &&
          s.find("PRIVATE KEY") != std::string_view::npos);
}

}  // namespace

Result<void> check_event_type(std::string_view type) {
  if (type.empty() || type.size() > kMaxTypeBytes) {
    return fail(ErrorCode::kInvalidInput, "audit event type must be 1..{} bytes, got {}",
                kMaxTypeBytes, type.size());
  }
  int labels = 0;
  bool label_start = true;
  for (char c : type) {
    if (label_start) {
      if (c < 'a' || c > 'z') {
        return fail(ErrorCode::kInvalidInput,
                    "audit event type '{}': each dotted label must start with a-z", type);
      }
      ++labels;
      label_start = false;
    } else if (c == '.') {
      label_start = true;
    } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return fail(ErrorCode::kInvalidInput,
                  "audit event type '{}': use lower-case letters, digits, '_' and '.'", type);
    }
  }
  if (label_start || labels < 2) {
    return fail(ErrorCode::kInvalidInput,
                "audit event type '{}' must be dotted, like 'tool.exec' or 'auth.fail'", type);
  }
  return {};
}

bool is_critical_type(std::string_view type) {
  return type.starts_with("auth.") || type.starts_with("config.") || type == "skill.install" ||
         type == "audit.checkpoint";
}

Hash hash_prefix(std::string_view hashed_prefix) {
  crypto::Blake2b256 hasher;
  hasher.update(kHashDomain);
  hasher.update(hashed_prefix);
  return hasher.finish();
}

Result<EncodedRecord> encode_record(std::uint64_t seq, std::string_view ts, const Event& event,
                                    const Hash& prev) {
  CHITIN_RETURN_IF_ERROR(check_event_type(event.type));
  if (event.actor.size() > kMaxActorBytes || event.session.size() > kMaxSessionBytes) {
    return fail(ErrorCode::kLimitExceeded, "audit event actor/session over {}/{} bytes",
                kMaxActorBytes, kMaxSessionBytes);
  }
  if (!event.details.is_object() && !event.details.is_null()) {
    return fail(ErrorCode::kInvalidInput, "audit event details must be a JSON object");
  }
  // nlohmann's default object type is a std::map, so keys come out sorted: canonical.
  // Null details (a default-constructed json) are recorded as {}.
  const std::string details =
      event.details.is_null()
          ? std::string("{}")
          : event.details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (details.size() > kMaxDetailsBytes) {
    return fail(ErrorCode::kLimitExceeded, "audit event details are {} bytes; the limit is {}",
                details.size(), kMaxDetailsBytes);
  }
  EncodedRecord out;
  std::string& line = out.line;
  line.reserve(160 + event.type.size() + event.actor.size() + event.session.size() +
               details.size());
  line += kSeqPrefix;
  line += fmt::format("{}", seq);
  line += R"(,"ts":)";
  line += json_string(ts);
  line += R"(,"type":)";
  line += json_string(event.type);
  line += R"(,"actor":)";
  line += json_string(event.actor);
  line += R"(,"session":)";
  line += json_string(event.session);
  line += R"(,"details":)";
  line += details;
  line += kPrevKey;
  line += hex_encode(prev);
  line += '"';
  out.hash = hash_prefix(line);
  line += kHashKey;
  line += hex_encode(out.hash);
  line += "\"}\n";
  return out;
}

Result<Frame> parse_frame(std::string_view line) {
  if (line.size() > kMaxLineBytes) {
    return fail(ErrorCode::kInvalidInput, "line is longer than {} bytes", kMaxLineBytes);
  }
  if (!line.starts_with(kSeqPrefix) || line.size() < kSeqPrefix.size() + kTailBytes + 1) {
    return fail(ErrorCode::kInvalidInput, "line does not start like an audit record");
  }
  const std::size_t tail = line.size() - kTailBytes;
  const std::string_view tail_view = line.substr(tail);
  if (!tail_view.starts_with(kPrevKey) || tail_view[kPrevKey.size() + 64] != '"' ||
      tail_view.substr(kPrevKey.size() + 65, kHashKey.size()) != kHashKey ||
      !tail_view.ends_with("\"}")) {
    return fail(ErrorCode::kInvalidInput, "line does not end like an audit record");
  }
  const std::string_view digits = line.substr(kSeqPrefix.size(), 21);  // 20 digits + ","
  const std::size_t digit_count = std::min(digits.find(','), digits.size());
  Frame frame;
  auto seq = parse_integer<std::uint64_t>(digits.substr(0, digit_count), 1);
  if (!seq || digits.size() == digit_count) {
    return fail(ErrorCode::kInvalidInput, "line has no valid seq");
  }
  frame.seq = *seq;
  auto prev = parse_hex_hash(tail_view.substr(kPrevKey.size(), 64));
  auto stored = parse_hex_hash(tail_view.substr(kPrevKey.size() + 65 + kHashKey.size(), 64));
  if (!prev || !stored) {
    return fail(ErrorCode::kInvalidInput, "line has a malformed prev or hash");
  }
  frame.prev = *prev;
  frame.stored_hash = *stored;
  frame.computed_hash = hash_prefix(line.substr(0, tail + kPrevKey.size() + 65));
  return frame;
}

Result<ParsedRecord> parse_record(std::string_view line) {
  // Bounded before nlohmann sees it: its parser is iterative, but copying and printing a
  // value recurse, so a deeply nested line could exhaust the stack.
  if (line.size() > kMaxLineBytes) {
    return fail(ErrorCode::kLimitExceeded, "audit record is over {} bytes", kMaxLineBytes);
  }
  if (json_nesting_depth(line) > kMaxJsonDepth) {
    return fail(ErrorCode::kLimitExceeded, "audit record nests deeper than {}", kMaxJsonDepth);
  }
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorCode::kInvalidInput, "audit record is not a JSON object");
  }
  const auto string_field = [&](const char* key) -> const std::string* {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
  };
  const auto seq = j.find("seq");
  const auto details = j.find("details");
  ParsedRecord record;
  const std::string* fields[] = {string_field("ts"),    string_field("type"),
                                 string_field("actor"), string_field("session"),
                                 string_field("prev"),  string_field("hash")};
  for (const std::string* f : fields) {
    if (f == nullptr) {
      return fail(ErrorCode::kInvalidInput, "audit record lacks a string field");
    }
  }
  if (seq == j.end() || !seq->is_number_unsigned() || details == j.end() || !details->is_object()) {
    return fail(ErrorCode::kInvalidInput, "audit record lacks seq or details");
  }
  record.seq = seq->get<std::uint64_t>();
  record.ts = *fields[0];
  record.type = *fields[1];
  record.actor = *fields[2];
  record.session = *fields[3];
  record.prev = *fields[4];
  record.hash = *fields[5];
  record.details = *details;
  return record;
}

std::string now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     micros % 1000000);
}

Result<std::int64_t> parse_rfc3339_micros(std::string_view ts) {
  // YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z
  const auto bad = [&] {
    return fail(ErrorCode::kInvalidInput,
                "'{}' is not an RFC 3339 UTC time like 2026-11-25T02:14:00Z", ts);
  };
  if (ts.size() < 20 || ts[4] != '-' || ts[7] != '-' || (ts[10] != 'T' && ts[10] != 't') ||
      ts[13] != ':' || ts[16] != ':' || (ts.back() != 'Z' && ts.back() != 'z')) {
    return bad();
  }
  auto year = parse_integer<int>(ts.substr(0, 4), 1970, 9999);
  auto month = parse_integer<int>(ts.substr(5, 2), 1, 12);
  auto day = parse_integer<int>(ts.substr(8, 2), 1, 31);
  auto hour = parse_integer<int>(ts.substr(11, 2), 0, 23);
  auto minute = parse_integer<int>(ts.substr(14, 2), 0, 59);
  auto second = parse_integer<int>(ts.substr(17, 2), 0, 60);
  if (!year || !month || !day || !hour || !minute || !second) {
    return bad();
  }
  std::int64_t fraction_micros = 0;
  std::string_view rest = ts.substr(19, ts.size() - 20);
  if (!rest.empty()) {
    if (rest.front() != '.' || rest.size() < 2 || rest.size() > 10) {
      return bad();
    }
    std::string digits(rest.substr(1));
    digits.resize(6, '0');
    auto parsed = parse_integer<std::int64_t>(std::string_view(digits).substr(0, 6), 0, 999999);
    if (!parsed || rest.substr(1).find_first_not_of("0123456789") != std::string_view::npos) {
      return bad();
    }
    fraction_micros = *parsed;
  }
  const std::chrono::year_month_day date{std::chrono::year(*year),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) {
    return bad();
  }
  const std::int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  const std::int64_t seconds =
      days * 86400 + std::int64_t{*hour} * 3600 + std::int64_t{*minute} * 60 + *second;
  return seconds * 1000000 + fraction_micros;
}

nlohmann::json redact_for_audit(const nlohmann::json& details) {
  if (details.is_string()) {
    const auto& s = details.get_ref<const std::string&>();
    return looks_like_secret(s) ? nlohmann::json("[redacted]") : details;
  }
  if (details.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : details.items()) {
      out[looks_like_secret(key) ? std::string("[redacted]") : key] = redact_for_audit(value);
    }
    return out;
  }
  if (details.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& value : details) {
      out.push_back(redact_for_audit(value));
    }
    return out;
  }
  return details;
}

std::string fingerprint(std::string_view value) {
  const auto digest = crypto::blake2b_256(as_bytes(value));
  return "blake2b:" + hex_encode(std::span(digest).first(8));
}

}  // namespace chitin::audit
