#pragma once
// Finds stored secret values in outgoing text: as written and in the encodings a script or a
// model would use to smuggle them (base64 and base64url at every byte alignment, so a value
// inside a larger encoded blob such as HTTP Basic credentials is found; hex in lower or upper
// case; JSON string escaping), each also seen through decodings of the text: percent-encoding
// (up to three times over), JSON escapes, and whitespace removed (a value split over lines,
// base64 wrapped at 76 columns). Used on egress
// (a hit blocks the request) and on what is written to transcripts and logs (a hit is
// redacted). Immutable after construction; thread-safe.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace chitin::secrets {

struct LeakHit {
  std::string name;      // the secret's name (never its value)
  std::string encoding;  // "raw", "base64", "base64url", "hex", "percent", "json", "split"
  std::size_t start = 0;
  std::size_t end = 0;  // in the scanned text; for "split", from the first to the last byte
};

struct NamedValue {
  std::string name;
  std::string value;
};

class LeakScanner {
 public:
  LeakScanner() = default;
  explicit LeakScanner(const std::vector<NamedValue>& secrets);
  LeakScanner(const LeakScanner&) = delete;
  LeakScanner& operator=(const LeakScanner&) = delete;
  LeakScanner(LeakScanner&&) noexcept = default;
  LeakScanner& operator=(LeakScanner&&) noexcept = default;
  ~LeakScanner();

  [[nodiscard]] bool empty() const { return forms_.empty(); }
  // Every occurrence, sorted by start (overlaps kept).
  [[nodiscard]] std::vector<LeakHit> find_all(std::string_view text) const;
  [[nodiscard]] std::optional<LeakHit> find(std::string_view text) const;
  // `text` with every occurrence replaced by "[secret NAME redacted]".
  [[nodiscard]] std::string redact(std::string_view text) const;
  // Overwrites every occurrence with '*' of the same length (so HTTP framing stays valid).
  void mask(std::string& text) const;
  // The longest encoded form: a stream must hold back one byte less to see every occurrence.
  [[nodiscard]] std::size_t longest_form() const;

 private:
  struct Form {
    std::string text;
    std::size_t secret = 0;
    const char* encoding = "raw";
  };
  // Many patterns of at least 8 bytes found in one pass over the text: the 8 bytes at each
  // position are tested against a 64 Ki-bit filter of the patterns' first 8 bytes, and only
  // positions that pass are looked up and compared. Time grows with the text, hardly with
  // the number of patterns.
  struct PrefixIndex {
    std::vector<std::uint64_t> filter = std::vector<std::uint64_t>(1024);
    std::unordered_map<std::uint64_t, std::vector<std::size_t>> heads;
    void add(std::string_view pattern, std::size_t id);
    template <class Text, class OnMatch>
    void each(std::string_view text, const Text& pattern_of, OnMatch&& on_match) const;
  };
  std::vector<std::string> names_;
  std::vector<std::string> values_;  // for longest_form()
  std::vector<Form> forms_;
  PrefixIndex form_index_;
};

// Masks stored values in a byte stream (responses relayed back into a sandbox), holding back
// just enough to see a value split across chunks.
class StreamMasker {
 public:
  explicit StreamMasker(const LeakScanner* scanner) : scanner_(scanner) {}
  // What may be sent on now.
  std::string feed(std::string_view chunk);
  // The rest, at the end of the stream.
  std::string finish();

 private:
  const LeakScanner* scanner_;
  std::string held_;
};

}  // namespace chitin::secrets
