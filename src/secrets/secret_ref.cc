#include "secrets/secret_ref.h"

#include <fmt/format.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "base/json_depth.h"
#include "sys/file_ops.h"

namespace chitin::secrets {

Result<SecretRef> parse_secret_ref(std::string_view json) {
  if (json.size() > 4096 || json_nesting_depth(json) > 4) {
    return fail(ErrorCode::kInvalidInput, "the SecretRef is too large");
  }
  const auto doc = nlohmann::json::parse(json, nullptr, false);
  if (!doc.is_object()) {
    return fail(ErrorCode::kInvalidInput,
                "the SecretRef is not a JSON object like "
                "{{\"source\":\"env\",\"provider\":\"default\",\"id\":\"OPENAI_API_KEY\"}}");
  }
  SecretRef ref;
  for (auto [field, out] : {std::pair{"source", &ref.source}, std::pair{"provider", &ref.provider},
                            std::pair{"id", &ref.id}}) {
    if (!doc.contains(field) || !doc[field].is_string() || doc[field].get<std::string>().empty()) {
      return fail(ErrorCode::kInvalidInput, "the SecretRef has no string field '{}'", field);
    }
    *out = doc[field].get<std::string>();
  }
  if (ref.source == "exec" || ref.source == "store") {
    return fail(ErrorCode::kUnavailable,
                "SecretRef source '{}' is not imported: resolve it with OpenClaw and pipe the "
                "value to 'chitin secrets set NAME'",
                ref.source);
  }
  if (ref.source != "env" && ref.source != "file") {
    return fail(ErrorCode::kInvalidInput, "unknown SecretRef source '{}' (env, file, exec, store)",
                ref.source.substr(0, 32));
  }
  return ref;
}

Result<std::string> resolve_secret_ref(const SecretRef& ref, const std::string& file) {
  if (ref.source == "env") {
    const char* value = std::getenv(ref.id.c_str());
    if (value == nullptr || *value == '\0') {
      return fail(ErrorCode::kNotFound,
                  "the environment variable {} named by the SecretRef is "
                  "not set",
                  ref.id.substr(0, 128));
    }
    return std::string(value);
  }
  std::string text = CHITIN_TRY(sys::read_regular_file(file, kMaxRefFileBytes));
  if (ref.id == "value") {  // OpenClaw's singleValue mode: the whole file, one line
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
      text.pop_back();
    }
    return text;
  }
  if (json_nesting_depth(text) > 32) {
    return fail(ErrorCode::kInvalidInput, "{} is nested too deeply", file);
  }
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    return fail(ErrorCode::kInvalidInput, "{} is not JSON (file SecretRefs point into JSON)", file);
  }
  if (!ref.id.starts_with('/')) {
    return fail(ErrorCode::kInvalidInput,
                "file SecretRef id '{}' is not a JSON pointer (e.g. /providers/openai/apiKey)",
                ref.id.substr(0, 128));
  }
  // RFC 6901, walked here (nlohmann's json_pointer reports bad syntax by throwing).
  const nlohmann::json* node = &doc;
  std::string_view rest = std::string_view(ref.id).substr(1);
  for (;;) {
    const auto slash = rest.find('/');
    const std::string_view raw = rest.substr(0, slash);
    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token.push_back(raw[i]);
      } else if (i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token.push_back(raw[++i] == '0' ? '~' : '/');
      } else {
        return fail(ErrorCode::kInvalidInput, "file SecretRef id '{}' is not a valid JSON pointer",
                    ref.id.substr(0, 128));
      }
    }
    if (node->is_object() && node->contains(token)) {
      node = &(*node)[token];
    } else if (node->is_array() && !token.empty() && token.size() < 10 &&
               token.find_first_not_of("0123456789") == std::string::npos &&
               (token == "0" || token[0] != '0') && std::stoul(token) < node->size()) {
      node = &(*node)[std::stoul(token)];
    } else {
      node = nullptr;
      break;
    }
    if (slash == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(slash + 1);
  }
  if (node == nullptr || !node->is_string()) {
    return fail(ErrorCode::kNotFound, "{} has no string at {}", file, ref.id.substr(0, 128));
  }
  return node->get<std::string>();
}

}  // namespace chitin::secrets
