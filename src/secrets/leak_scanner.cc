#include "secrets/leak_scanner.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "base/crypto.h"
#include "base/encoding.h"

namespace chitin::secrets {

namespace {

// Shorter encoded fragments would match ordinary text by chance.
constexpr std::size_t kMinFormBytes = 8;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The base64 characters that depend only on `value`'s bytes when it starts `offset` bytes
// into a 3-byte group of a larger encoded blob.
std::string base64_core(std::string_view value, std::size_t offset, bool url) {
  std::string buffer(offset, '\0');
  buffer.append(value);
  const std::size_t groups = buffer.size() / 3;
  std::string encoded = base64_encode(as_bytes(buffer).first(groups * 3));
  static constexpr std::size_t kSkip[3] = {0, 2, 3};
  encoded.erase(0, std::min(encoded.size(), kSkip[offset]));
  if (url) {
    std::replace(encoded.begin(), encoded.end(), '+', '-');
    std::replace(encoded.begin(), encoded.end(), '/', '_');
  }
  crypto::wipe(buffer);
  return encoded;
}

// The text seen through decodings, with where each byte came from in the original, so that a
// hit in the decoded text maps back to a span of it. Offsets are 32-bit: inspected texts are
// bounded far below 4 GiB (find_all skips the views beyond that).
struct View {
  std::string text;
  std::vector<std::uint32_t> from;  // original start of each byte
  std::vector<std::uint32_t> to;    // original end of each byte
};

// Builds a view of `in` (the original when `map` is null): `step` is called at each position
// and returns how many input bytes it consumed, setting `c` and `emit` when they decode to a
// byte (every decoding here yields at most one).
template <class Step>
View transform(std::string_view in, const View* map, Step step) {
  View out;
  out.text.reserve(in.size());
  out.from.reserve(in.size());
  out.to.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    char c = 0;
    bool emit = false;
    const std::size_t used = step(in, i, c, emit);
    if (emit) {
      out.text.push_back(c);
      out.from.push_back(static_cast<std::uint32_t>(map != nullptr ? map->from[i] : i));
      out.to.push_back(
          static_cast<std::uint32_t>(map != nullptr ? map->to[i + used - 1] : i + used));
    }
    i += used;
  }
  return out;
}

// %XX decoded in either case, so any mix of encoded and plain characters is seen as the value.
std::size_t percent_step(std::string_view in, std::size_t i, char& c, bool& emit) {
  emit = true;
  if (in[i] == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
    c = static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
    return 3;
  }
  c = in[i];
  return 1;
}

// JSON string escapes (\n, \/, \uXXXX below U+0080, ...) decoded.
std::size_t json_step(std::string_view in, std::size_t i, char& c, bool& emit) {
  emit = true;
  c = in[i];
  if (in[i] != '\\' || i + 1 >= in.size()) {
    return 1;
  }
  static constexpr std::string_view kFrom = "nrtbf/\\\"";
  static constexpr std::string_view kTo = "\n\r\t\b\f/\\\"";
  if (const auto at = kFrom.find(in[i + 1]); at != std::string_view::npos) {
    c = kTo[at];
    return 2;
  }
  if (in[i + 1] == 'u' && i + 5 < in.size() && in.substr(i + 2, 2) == "00" &&
      hex_value(in[i + 4]) >= 0 && hex_value(in[i + 5]) >= 0) {
    c = static_cast<char>(hex_value(in[i + 4]) * 16 + hex_value(in[i + 5]));
    return 6;
  }
  return 1;
}

// Whitespace removed (a value split over lines or by spaces, base64 wrapped at 76 columns).
std::size_t squeeze_step(std::string_view in, std::size_t i, char& c, bool& emit) {
  c = in[i];
  emit = !is_space(c);
  return 1;
}

void wipe(View& view) { crypto::wipe(view.text); }

std::string json_escaped(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '"' || c == '\\' || c == '/') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::uint64_t load8(const char* bytes) {
  std::uint64_t value = 0;
  std::memcpy(&value, bytes, sizeof(value));
  return value;
}

std::uint32_t slot(std::uint64_t key) {
  return static_cast<std::uint32_t>((key * 0x9E3779B97F4A7C15ULL) >> 48);
}

}  // namespace

LeakScanner::LeakScanner(const std::vector<NamedValue>& secrets) {
  for (const NamedValue& secret : secrets) {
    const std::size_t index = names_.size();
    names_.push_back(secret.name);
    values_.push_back(secret.value);
    const auto add = [&](std::string text, const char* encoding) {
      if (text.size() < kMinFormBytes ||
          std::any_of(forms_.begin(), forms_.end(), [&](const Form& form) {
            return form.secret == index && form.text == text;
          })) {
        return;
      }
      form_index_.add(text, forms_.size());
      forms_.push_back(Form{std::move(text), index, encoding});
    };
    add(secret.value, "raw");
    for (std::size_t offset = 0; offset < 3; ++offset) {
      add(base64_core(secret.value, offset, false), "base64");
      add(base64_core(secret.value, offset, true), "base64url");
    }
    const std::string hex = hex_encode(as_bytes(secret.value));
    add(hex, "hex");
    add(upper(hex), "hex");
    add(json_escaped(secret.value), "json");
  }
}

void LeakScanner::PrefixIndex::add(std::string_view pattern, std::size_t id) {
  const std::uint64_t key = load8(pattern.data());
  const std::uint32_t bit = slot(key);
  filter[bit >> 6] |= std::uint64_t{1} << (bit & 63);
  heads[key].push_back(id);
}

template <class Text, class OnMatch>
void LeakScanner::PrefixIndex::each(std::string_view text, const Text& pattern_of,
                                    OnMatch&& on_match) const {
  if (heads.empty() || text.size() < kMinFormBytes) {
    return;
  }
  for (std::size_t at = 0; at + kMinFormBytes <= text.size(); ++at) {
    const std::uint64_t key = load8(text.data() + at);
    const std::uint32_t bit = slot(key);
    if ((filter[bit >> 6] & (std::uint64_t{1} << (bit & 63))) == 0) {
      continue;
    }
    const auto found = heads.find(key);
    if (found == heads.end()) {
      continue;
    }
    for (const std::size_t id : found->second) {
      const std::string_view pattern = pattern_of(id);
      if (text.substr(at, pattern.size()) == pattern) {
        on_match(id, at);
      }
    }
  }
}

LeakScanner::~LeakScanner() {
  for (std::string& value : values_) {
    crypto::wipe(value);
  }
  for (Form& form : forms_) {
    crypto::wipe(form.text);
  }
}

std::vector<LeakHit> LeakScanner::find_all(std::string_view text) const {
  std::vector<LeakHit> hits;
  if (forms_.empty()) {
    return hits;
  }
  form_index_.each(
      text, [&](std::size_t id) -> std::string_view { return forms_[id].text; },
      [&](std::size_t id, std::size_t at) {
        const Form& form = forms_[id];
        hits.push_back(LeakHit{names_[form.secret], form.encoding, at, at + form.text.size()});
      });
  // Through decodings (percent-encoding, repeated; JSON escapes; whitespace removed): every
  // form again, reported where it was not already found whole in the text itself.
  if (text.size() >= std::numeric_limits<std::uint32_t>::max()) {
    return hits;
  }
  const auto search_view = [&](const View& view, std::string_view name) {
    form_index_.each(
        view.text, [&](std::size_t id) -> std::string_view { return forms_[id].text; },
        [&](std::size_t id, std::size_t at) {
          const Form& form = forms_[id];
          const std::size_t start = view.from[at];
          const std::size_t end = view.to[at + form.text.size() - 1];
          if (end - start == form.text.size() && text.substr(start, end - start) == form.text) {
            return;  // found whole above
          }
          const std::string encoding = std::string_view(form.encoding) == "raw"
                                           ? std::string(name)
                                           : fmt::format("{}, {}", form.encoding, name);
          hits.push_back(LeakHit{names_[form.secret], encoding, start, end});
        });
  };
  std::optional<View> decoded;
  for (int round = 0; round < 3; ++round) {  // double (or triple) percent-encoding
    const std::string_view current = decoded ? std::string_view(decoded->text) : text;
    if (current.find('%') == std::string_view::npos) {
      break;
    }
    View next = transform(current, decoded ? &*decoded : nullptr, percent_step);
    if (next.text.size() == current.size()) {
      wipe(next);
      break;
    }
    if (decoded) {
      wipe(*decoded);
    }
    decoded = std::move(next);
  }
  if (decoded) {
    search_view(*decoded, "percent");
  }
  {
    const std::string_view current = decoded ? std::string_view(decoded->text) : text;
    if (current.find('\\') != std::string_view::npos) {
      View next = transform(current, decoded ? &*decoded : nullptr, json_step);
      search_view(next, "json");
      if (decoded) {
        wipe(*decoded);
      }
      decoded = std::move(next);
    }
  }
  const std::string_view current = decoded ? std::string_view(decoded->text) : text;
  if (current.find_first_of(" \t\r\n") != std::string_view::npos) {
    View squeezed = transform(current, decoded ? &*decoded : nullptr, squeeze_step);
    search_view(squeezed, "split");
    wipe(squeezed);
  }
  if (decoded) {
    wipe(*decoded);
  }
  std::sort(hits.begin(), hits.end(), [](const LeakHit& a, const LeakHit& b) {
    return a.start != b.start ? a.start < b.start : a.end > b.end;
  });
  return hits;
}

std::optional<LeakHit> LeakScanner::find(std::string_view text) const {
  auto hits = find_all(text);
  if (hits.empty()) {
    return std::nullopt;
  }
  return std::move(hits.front());
}

std::string LeakScanner::redact(std::string_view text) const {
  const auto hits = find_all(text);
  if (hits.empty()) {
    return std::string(text);
  }
  std::string out;
  std::size_t at = 0;
  for (const LeakHit& hit : hits) {
    if (hit.end <= at) {
      continue;  // inside a span already redacted
    }
    if (hit.start >= at) {
      out.append(text.substr(at, hit.start - at));
      out += fmt::format("[secret {} redacted]", hit.name);
    }
    at = hit.end;
  }
  out.append(text.substr(at));
  return out;
}

void LeakScanner::mask(std::string& text) const {
  for (const LeakHit& hit : find_all(text)) {
    std::fill(text.begin() + static_cast<std::ptrdiff_t>(hit.start),
              text.begin() + static_cast<std::ptrdiff_t>(hit.end), '*');
  }
}

std::size_t LeakScanner::longest_form() const {
  std::size_t longest = 0;
  for (const Form& form : forms_) {
    longest = std::max(longest, form.text.size());
  }
  // Percent-encoding can triple a value.
  for (const std::string& value : values_) {
    longest = std::max(longest, value.size() * 3);
  }
  return longest;
}

std::string StreamMasker::feed(std::string_view chunk) {
  if (scanner_ == nullptr || scanner_->empty()) {
    return std::string(chunk);
  }
  held_.append(chunk);
  scanner_->mask(held_);
  const std::size_t keep = std::min(held_.size(), scanner_->longest_form());
  std::string out = held_.substr(0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  return out;
}

std::string StreamMasker::finish() {
  std::string out = std::move(held_);
  held_.clear();
  return out;
}

}  // namespace chitin::secrets
