#include "agent/model_filter.h"

#include "base/json_depth.h"

namespace chitin::agent {

namespace {
constexpr int kMaxJsonDepth = 64;
}  // namespace

nlohmann::json parse_arguments(std::string_view text) {
  if (json_nesting_depth(text) > static_cast<std::size_t>(kMaxJsonDepth)) {
    return nlohmann::json(nlohmann::json::value_t::discarded);
  }
  nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  return value.is_object() ? value : nlohmann::json(nlohmann::json::value_t::discarded);
}

ModelFilter::ModelFilter(const privacy::Detector* detector, const secrets::LeakScanner* stored,
                         privacy::Vault& vault)
    : detector_(detector), stored_(stored), vault_(vault) {
  if (detector_ != nullptr) {
    redactor_.emplace(*detector_, vault_);
  }
}

Result<std::string> ModelFilter::text(std::string_view in) {
  std::string out(in);
  if (stored_ != nullptr && !stored_->empty()) {
    const auto hits = stored_->find_all(out);
    if (!hits.empty()) {
      secrets_removed_ += hits.size();
      out = stored_->redact(out);
    }
  }
  if (!redactor_) {
    return out;
  }
  std::vector<privacy::Entity> found;
  std::string redacted = CHITIN_TRY(redactor_->redact(out, &found));
  replaced_ += found.size();
  return redacted;
}

Result<nlohmann::json> ModelFilter::json_strings(const nlohmann::json& value, int depth) {
  if (depth > kMaxJsonDepth) {
    return fail(ErrorCode::kLimitExceeded, "tool-call arguments nest too deeply");
  }
  if (value.is_string()) {
    return nlohmann::json(CHITIN_TRY(text(value.get_ref<const std::string&>())));
  }
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : value) {
      out.push_back(CHITIN_TRY(json_strings(item, depth + 1)));
    }
    return out;
  }
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, item] : value.items()) {
      out[CHITIN_TRY(text(key))] = CHITIN_TRY(json_strings(item, depth + 1));
    }
    return out;
  }
  return value;
}

Result<std::vector<providers::Message>> ModelFilter::outgoing(
    const std::vector<providers::Message>& messages) {
  replaced_ = 0;
  secrets_removed_ = 0;
  std::vector<providers::Message> out;
  out.reserve(messages.size());
  for (const providers::Message& message : messages) {
    providers::Message copy = message;
    copy.text = CHITIN_TRY(text(message.text));
    for (providers::ToolCall& call : copy.tool_calls) {
      // Arguments that are not a JSON object go back as {} (the model was told they were bad).
      const nlohmann::json arguments = parse_arguments(call.arguments);
      auto redacted = arguments.is_object() ? json_strings(arguments, 0)
                                            : Result<nlohmann::json>(nlohmann::json::object());
      call.arguments = (redacted ? *redacted : nlohmann::json::object())
                           .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    out.push_back(std::move(copy));
  }
  return out;
}

providers::Reply ModelFilter::restored(providers::Reply reply) const {
  reply.text = privacy::restore(reply.text, vault_);
  for (providers::ToolCall& call : reply.tool_calls) {
    const nlohmann::json arguments = parse_arguments(call.arguments);
    if (arguments.is_object()) {
      call.arguments = privacy::restore_json(arguments, vault_)
                           .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  return reply;
}

}  // namespace chitin::agent
