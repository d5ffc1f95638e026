#pragma once
// Conversation messages as stored in the session transcript (one JSON object per message:
// {"text", "tool_calls": [{"id","name","arguments"}], "tool_call_id", "tool_name",
// "is_error"}), and back. The transcript holds the local (restored) text; what the model sees
// is redacted again on every call.

#include <string>
#include <string_view>

#include "base/result.h"
#include "providers/messages.h"

namespace chitin::agent {

std::string_view role_name(providers::Role role);
Result<providers::Role> role_from_name(std::string_view name);

std::string encode_message(const providers::Message& message);
Result<providers::Message> decode_message(std::string_view role, std::string_view content);

}  // namespace chitin::agent
