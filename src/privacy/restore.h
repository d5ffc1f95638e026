#pragma once
// Puts the original values back in place of the placeholders a vault issued, tolerating the
// edits models make (case, fullwidth forms, dropped or different brackets, "LABEL 1"). Text
// that is not a placeholder of this vault is never changed.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "privacy/vault.h"

namespace chitin::privacy {

std::string restore(std::string_view text, const Vault& vault);

// Restores inside every string (keys and values) of a JSON document, e.g. the arguments of a
// tool call a model made with placeholders.
nlohmann::json restore_json(const nlohmann::json& value, const Vault& vault);

// Incremental restore of a streamed reply: feed() returns what can be emitted now and holds
// back only a tail that could still be the start of a placeholder (kMaxPlaceholderBytes at
// most); finish() flushes it.
class RestoreStream {
 public:
  explicit RestoreStream(const Vault& vault) : vault_(vault) {}
  std::string feed(std::string_view chunk);
  std::string finish();

 private:
  std::string emit(std::size_t upto, bool complete);
  const Vault& vault_;
  std::string pending_;
  char before_ = 0;
};

}  // namespace chitin::privacy
