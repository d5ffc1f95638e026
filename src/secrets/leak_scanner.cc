#include "secrets/leak_scanner.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

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

// The text seen through a decoding, with where each byte came from, so that a hit in the
// decoded text maps back to a span of the original.
struct View {
  std::string text;
  std::vector<std::size_t> from;  // original start of each byte
  std::vector<std::size_t> to;    // original end of each byte
  void push(char c, std::size_t start, std::size_t end) {
    text.push_back(c);
    from.push_back(start);
    to.push_back(end);
  }
};

// Whitespace removed (a value split over lines or by spaces).
View squeezed(std::string_view text) {
  View view;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_space(text[i])) {
      view.push(text[i], i, i + 1);
    }
  }
  return view;
}

// %XX decoded in either case, so any mix of encoded and plain characters is seen as the value.
View percent_decoded(std::string_view text) {
  View view;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      view.push(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])), i, i + 3);
      i += 2;
    } else {
      view.push(text[i], i, i + 1);
    }
  }
  return view;
}

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
    if (secret.value.size() >= kMinFormBytes) {
      value_index_.add(secret.value, index);
    }
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
  // Through decodings: found there but not whole in the text itself.
  const auto search_view = [&](const View& view, const char* encoding, bool skip_spaced) {
    value_index_.each(
        view.text, [&](std::size_t id) -> std::string_view { return values_[id]; },
        [&](std::size_t s, std::size_t at) {
          const std::string& value = values_[s];
          if (skip_spaced && std::any_of(value.begin(), value.end(), is_space)) {
            return;
          }
          const std::size_t start = view.from[at];
          const std::size_t end = view.to[at + value.size() - 1];
          if (end - start != value.size() || text.substr(start, end - start) != value) {
            hits.push_back(LeakHit{names_[s], encoding, start, end});
          }
        });
  };
  if (text.find_first_of(" \t\r\n") != std::string_view::npos) {
    View view = squeezed(text);
    search_view(view, "split", true);
    crypto::wipe(view.text);
  }
  if (text.find('%') != std::string_view::npos) {
    View view = percent_decoded(text);
    search_view(view, "percent", false);
    crypto::wipe(view.text);
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
