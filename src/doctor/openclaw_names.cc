#include "doctor/openclaw_names.h"

#include <algorithm>

namespace chitin::doctor {

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }
bool lower_alnum(char c) { return digit(c) || (c >= 'a' && c <= 'z'); }
bool word(char c) { return lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_'; }

// `token` occurs in `text` as a whole word (regex \b on both sides).
bool has_word(std::string_view text, std::string_view token) {
  for (auto at = text.find(token); at != std::string_view::npos; at = text.find(token, at + 1)) {
    const bool before = at == 0 || !word(text[at - 1]) || !word(token.front());
    const std::size_t end = at + token.size();
    const bool after = end == text.size() || !word(text[end]) || !word(token.back());
    if (before && after) {
      return true;
    }
  }
  return false;
}

// Digits at `at` (at most `most` of them) as a number; `at` moves past them. -1: none.
int number_at(std::string_view text, std::size_t& at, std::size_t most) {
  int value = 0;
  std::size_t count = 0;
  while (at < text.size() && digit(text[at]) && count < most) {
    value = value * 10 + (text[at] - '0');
    ++at;
    ++count;
  }
  return count == 0 ? -1 : value;
}

// Where `prefix` starts the id or follows a '/', or npos.
std::size_t segment_start(std::string_view id, std::string_view prefix) {
  for (auto at = id.find(prefix); at != std::string_view::npos; at = id.find(prefix, at + 1)) {
    if (at == 0 || id[at - 1] == '/') {
      return at;
    }
  }
  return std::string_view::npos;
}

}  // namespace

int model_parameter_billions(std::string_view id) {
  int best = 0;
  for (std::size_t at = 0; at < id.size(); ++at) {
    if (!digit(id[at]) || (at > 0 && (lower_alnum(id[at - 1]) || id[at - 1] == '.'))) {
      continue;
    }
    std::size_t end = at;
    const int whole = number_at(id, end, 4);
    if (end < id.size() && digit(id[end])) {
      continue;  // more than four digits: not a parameter count
    }
    if (end + 1 < id.size() && id[end] == '.' && digit(id[end + 1])) {
      ++end;
      while (end < id.size() && digit(id[end])) {
        ++end;
      }
    }
    if (end < id.size() && id[end] == 'b' && (end + 1 == id.size() || !lower_alnum(id[end + 1]))) {
      best = std::max(best, whole);
    }
  }
  return best;
}

bool model_is_legacy(std::string_view id) {
  return has_word(id, "gpt-3.5") || has_word(id, "claude-instant") || has_word(id, "claude-2") ||
         has_word(id, "gpt-4-0314") || has_word(id, "gpt-4-0613");
}

bool model_is_weak_tier(std::string_view id) {
  if (id.find("haiku") != std::string_view::npos) {
    return true;
  }
  if (const auto gpt = segment_start(id, "gpt-"); gpt != std::string_view::npos) {
    std::size_t at = gpt + 4;
    const int major = number_at(id, at, 3);
    return major >= 0 && major < 5;
  }
  if (const auto claude = segment_start(id, "claude-"); claude != std::string_view::npos) {
    std::size_t at = claude + 7;
    // claude-sonnet-4-5, claude-3-5-sonnet, claude-opus-4.1: an optional family, then x[.-]y.
    const std::size_t family = at;
    while (at < id.size() && id[at] >= 'a' && id[at] <= 'z') {
      ++at;
    }
    if (at > family && at < id.size() && id[at] == '-') {
      ++at;
    } else {
      at = family;
    }
    const int major = number_at(id, at, 1);
    if (major < 0) {
      return false;
    }
    int minor = 0;
    if (at + 1 < id.size() && (id[at] == '.' || id[at] == '-') && digit(id[at + 1]) &&
        (at + 2 == id.size() || !digit(id[at + 2]))) {
      minor = id[at + 1] - '0';
    }
    return major < 4 || (major == 4 && minor < 5);
  }
  return false;
}

bool npm_spec_pinned(std::string_view spec) {
  const auto at = spec.rfind('@');
  if (at == std::string_view::npos || at == 0) {
    return false;  // no version, or only a scope ("@scope/name")
  }
  std::string_view version = spec.substr(at + 1);
  const auto allowed = [](std::string_view part) {
    return !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
      return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-';
    });
  };
  if (const auto plus = version.find('+'); plus != std::string_view::npos) {
    if (!allowed(version.substr(plus + 1))) {
      return false;
    }
    version = version.substr(0, plus);
  }
  if (const auto dash = version.find('-'); dash != std::string_view::npos) {
    if (!allowed(version.substr(dash + 1))) {
      return false;
    }
    version = version.substr(0, dash);
  }
  std::size_t pos = 0;
  for (int part = 0; part < 3; ++part) {
    if (number_at(version, pos, 9) < 0) {
      return false;
    }
    if (part < 2) {
      if (pos >= version.size() || version[pos] != '.') {
        return false;
      }
      ++pos;
    }
  }
  return pos == version.size();
}

}  // namespace chitin::doctor
