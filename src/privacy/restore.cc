#include "privacy/restore.h"

#include "privacy/placeholder.h"

namespace chitin::privacy {

namespace {

// Restores text[0, upto) (tokens must end by `upto`), returns it.
std::string restore_prefix(std::string_view text, std::size_t upto, char before, bool complete,
                           const Vault& vault) {
  std::string out;
  out.reserve(upto);
  std::size_t at = 0;
  find_placeholder_tokens(text, before, complete, [&](const PlaceholderToken& token) {
    if (token.end > upto || token.start < at) {
      return;
    }
    const std::string* original = vault.original(token.label, token.number);
    if (original == nullptr) {
      return;
    }
    out.append(text.substr(at, token.start - at));
    out.append(*original);
    at = token.end;
  });
  out.append(text.substr(at, upto - at));
  return out;
}

}  // namespace

std::string restore(std::string_view text, const Vault& vault) {
  return restore_prefix(text, text.size(), 0, true, vault);
}

nlohmann::json restore_json(const nlohmann::json& value, const Vault& vault) {
  if (value.is_string()) {
    return restore(value.get_ref<const std::string&>(), vault);
  }
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : value) {
      out.push_back(restore_json(item, vault));
    }
    return out;
  }
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, item] : value.items()) {
      out[restore(key, vault)] = restore_json(item, vault);
    }
    return out;
  }
  return value;
}

std::string RestoreStream::emit(std::size_t upto, bool complete) {
  // Never cut inside a token that starts before `upto`: find the first token crossing it.
  std::size_t cut = upto;
  if (!complete) {
    find_placeholder_tokens(pending_, before_, true, [&](const PlaceholderToken& token) {
      if (token.start < cut && token.end > cut) {
        cut = token.start;
      }
    });
  }
  std::string out = restore_prefix(pending_, cut, before_, complete, vault_);
  if (cut > 0) {
    before_ = pending_[cut - 1];
    // A fullwidth letter or digit before the cut is a word character too.
    if (cut >= 3 && static_cast<unsigned char>(pending_[cut - 3]) == 0xEF) {
      before_ = 'A';
    }
  }
  pending_.erase(0, cut);
  return out;
}

std::string RestoreStream::feed(std::string_view chunk) {
  pending_.append(chunk);
  // Hold back enough that any token starting before the cut is wholly visible, with the
  // byte after it (its right boundary).
  constexpr std::size_t kHold = kMaxPlaceholderBytes + 4;
  if (pending_.size() <= kHold) {
    return {};
  }
  return emit(pending_.size() - kHold, false);
}

std::string RestoreStream::finish() { return emit(pending_.size(), true); }

}  // namespace chitin::privacy
