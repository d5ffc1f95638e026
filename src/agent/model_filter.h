#pragma once
// The privacy filter on model traffic (docs/agent.md "Privacy"): every message sent to a
// model has each stored secret value replaced ("[secret NAME redacted]") and then every
// sensitive entity replaced with a placeholder from the session's vault (privacy/redactor.h);
// tool-call arguments are redacted string by string so they stay valid JSON. Replies come
// back restored: streamed text incrementally, tool-call arguments inside their JSON.
// One per turn; not thread-safe.

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "privacy/detector.h"
#include "privacy/redactor.h"
#include "privacy/restore.h"
#include "privacy/vault.h"
#include "providers/messages.h"
#include "secrets/leak_scanner.h"

namespace chitin::agent {

// A tool call's arguments as a JSON object, or a discarded value when they are not one or
// nest more than 64 levels (checked before parsing, so no input can exhaust the stack).
nlohmann::json parse_arguments(std::string_view text);

class ModelFilter {
 public:
  // `detector` null: the filter is off (privacy.dangerously_disable_model_filter); stored
  // secrets are still removed.
  ModelFilter(const privacy::Detector* detector, const secrets::LeakScanner* stored,
              privacy::Vault& vault);

  Result<std::vector<providers::Message>> outgoing(const std::vector<providers::Message>& messages);
  // Entities replaced in the last outgoing() (for the audit trail; values never kept).
  [[nodiscard]] std::size_t replaced() const { return replaced_; }
  [[nodiscard]] std::size_t secrets_removed() const { return secrets_removed_; }

  // Restores a finished reply: its text and every tool call's arguments.
  providers::Reply restored(providers::Reply reply) const;
  // For streaming: a fresh incremental restorer over this session's vault.
  [[nodiscard]] privacy::RestoreStream restore_stream() const {
    return privacy::RestoreStream(vault_);
  }

 private:
  Result<std::string> text(std::string_view in);
  Result<nlohmann::json> json_strings(const nlohmann::json& value, int depth);
  const privacy::Detector* detector_;
  const secrets::LeakScanner* stored_;
  privacy::Vault& vault_;
  std::optional<privacy::Redactor> redactor_;
  std::size_t replaced_ = 0;
  std::size_t secrets_removed_ = 0;
};

}  // namespace chitin::agent
