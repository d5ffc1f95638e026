#include "skills/skill_md.h"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>

#include <yaml-cpp/yaml.h>

#include "base/encoding.h"

namespace chitin::skills {

namespace {

// Where a node sits, for "file:line: key: message" errors.
struct Context {
  std::string_view file;
  std::size_t line_offset;  // file line of the YAML text's line 0
};

std::size_t line_of(const Context& context, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? context.line_offset + static_cast<std::size_t>(mark.line)
                        : context.line_offset;
}

tl::unexpected<Error> fail_at(const Context& context, std::size_t line, std::string_view key,
                              std::string_view message) {
  return fail(ErrorCode::kInvalidInput, "{}:{}: '{}': {}", context.file, line, key, message);
}

tl::unexpected<Error> fail_at(const Context& context, const YAML::Node& node, std::string_view key,
                              std::string_view message) {
  return fail_at(context, line_of(context, node), key, message);
}

// yaml-cpp recurses once per nesting level while parsing; refuse deep input before it does.
// Counts flow brackets (outside quotes), block indentation and "- - -" chains on one line.
Result<void> check_nesting(std::string_view text, const Context& context) {
  std::size_t line = 0;
  std::size_t bracket_depth = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view row = text.substr(start, end - start);
    std::size_t indent = 0;
    while (indent < row.size() && (row[indent] == ' ' || row[indent] == '\t')) {
      ++indent;
    }
    std::size_t dashes = 0;
    for (std::size_t i = indent;
         i + 1 < row.size() && (row[i] == '-' || row[i] == '?') && row[i + 1] == ' '; i += 2) {
      ++dashes;
    }
    // Every bracket counts, also inside quotes and comments: over-counting can only refuse
    // input, never let deep input through.
    for (const char c : row) {
      if (c == '[' || c == '{') {
        ++bracket_depth;
      } else if ((c == ']' || c == '}') && bracket_depth > 0) {
        --bracket_depth;
      }
    }
    if (bracket_depth + indent / 2 + dashes > kMaxFrontmatterDepth) {
      return fail(ErrorCode::kLimitExceeded,
                  "{}:{}: frontmatter is nested deeper than {} levels; flatten it", context.file,
                  context.line_offset + line, kMaxFrontmatterDepth);
    }
    ++line;
    start = end + 1;
  }
  return {};
}

Result<YAML::Node> load_yaml(std::string_view text, const Context& context) {
  CHITIN_RETURN_IF_ERROR(check_nesting(text, context));
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    const std::size_t line =
        context.line_offset + static_cast<std::size_t>(std::max(e.mark.line, 0));
    return fail(ErrorCode::kInvalidInput, "{}:{}: malformed YAML: {}", context.file, line, e.msg);
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInvalidInput, "{}: malformed YAML: {}", context.file, e.what());
  }
}

// The entries of a mapping node, refusing duplicate or non-scalar keys.
Result<std::vector<std::pair<std::string, YAML::Node>>> entries_of(const YAML::Node& map,
                                                                   const Context& context,
                                                                   std::string_view where) {
  std::vector<std::pair<std::string, YAML::Node>> out;
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (!it->first.IsScalar()) {
      return fail_at(context, it->first, where, "keys must be plain strings");
    }
    std::string key = it->first.Scalar();
    if (!seen.insert(key).second) {
      return fail_at(context, it->first, key, "duplicate key; keep one");
    }
    if (out.size() >= 256) {
      return fail_at(context, it->first, where, "more than 256 keys");
    }
    out.emplace_back(std::move(key), it->second);
  }
  return out;
}

Result<std::string> scalar(const YAML::Node& node, const Context& context, std::string_view key,
                           std::size_t max_bytes = kMaxStringBytes) {
  if (node.IsNull()) {
    return std::string();
  }
  if (!node.IsScalar()) {
    return fail_at(context, node, key, "must be a string");
  }
  const std::string& value = node.Scalar();
  if (value.size() > max_bytes) {
    return fail_at(context, node, key, fmt::format("longer than {} bytes", max_bytes));
  }
  return value;
}

Result<bool> boolean(const YAML::Node& node, const Context& context, std::string_view key) {
  const std::string value = CHITIN_TRY(scalar(node, context, key, 16));
  if (value == "true") {
    return true;
  }
  if (value == "false") {
    return false;
  }
  return fail_at(context, node, key, "must be true or false");
}

Result<std::vector<std::string>> string_list(const YAML::Node& node, const Context& context,
                                             std::string_view key,
                                             std::size_t max_items = kMaxListItems,
                                             std::size_t max_bytes = kMaxStringBytes) {
  std::vector<std::string> out;
  if (node.IsNull()) {
    return out;
  }
  if (node.IsScalar()) {  // OpenClaw accepts a single value where a list is expected
    out.push_back(CHITIN_TRY(scalar(node, context, key, max_bytes)));
    return out;
  }
  if (!node.IsSequence()) {
    return fail_at(context, node, key, "must be a list of strings");
  }
  if (node.size() > max_items) {
    return fail_at(context, node, key, fmt::format("more than {} entries", max_items));
  }
  for (const YAML::Node& item : node) {
    out.push_back(CHITIN_TRY(scalar(item, context, key, max_bytes)));
  }
  return out;
}

// A strict list: no single-value shorthand, each entry checked by `check`.
template <class Check>
Result<std::vector<std::string>> checked_list(const YAML::Node& node, const Context& context,
                                              std::string_view key, Check check) {
  if (!node.IsSequence() && !node.IsNull()) {
    return fail_at(context, node, key, "must be a list, e.g. [\"a\", \"b\"]");
  }
  std::vector<std::string> out =
      CHITIN_TRY(string_list(node, context, key, kMaxPermissionEntries, kMaxPermissionEntryBytes));
  std::size_t index = 0;
  for (const std::string& entry : out) {
    if (auto ok = check(entry); !ok) {
      return fail_at(context, node.IsSequence() ? node[index] : node,
                     fmt::format("{}[{}]", key, index), ok.error().message);
    }
    ++index;
  }
  return out;
}

Result<void> no_unknown_keys(const std::vector<std::pair<std::string, YAML::Node>>& entries,
                             std::initializer_list<std::string_view> allowed,
                             const Context& context, std::string_view where) {
  for (const auto& [key, value] : entries) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return fail_at(
          context, value, fmt::format("{}.{}", where, key),
          fmt::format("unknown permission key; allowed here: {}", fmt::join(allowed, ", ")));
    }
  }
  return {};
}

Result<std::uint32_t> limit(const YAML::Node& node, const Context& context, std::string_view key,
                            std::uint32_t min, std::uint32_t max) {
  const std::string text = CHITIN_TRY(scalar(node, context, key, 16));
  std::uint32_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < min ||
      value > max) {
    return fail_at(context, node, key, fmt::format("must be a whole number {}..{}", min, max));
  }
  return value;
}

Result<Permissions> parse_permissions(const YAML::Node& node, const Context& context) {
  Permissions p;
  p.declared = true;
  if (node.IsNull()) {
    return p;
  }
  if (!node.IsMap()) {
    return fail_at(context, node, "permissions", "must be a mapping");
  }
  const auto entries = CHITIN_TRY(entries_of(node, context, "permissions"));
  CHITIN_RETURN_IF_ERROR(no_unknown_keys(
      entries, {"filesystem", "network", "exec", "secrets", "limits"}, context, "permissions"));
  for (const auto& [key, value] : entries) {
    if (key == "exec") {
      p.exec = CHITIN_TRY(checked_list(value, context, "permissions.exec", check_binary_name));
    } else if (key == "secrets") {
      p.secrets =
          CHITIN_TRY(checked_list(value, context, "permissions.secrets", check_secret_name));
    } else if (!value.IsMap() && !value.IsNull()) {
      return fail_at(context, value, fmt::format("permissions.{}", key), "must be a mapping");
    } else if (value.IsNull()) {
      continue;
    } else if (key == "filesystem") {
      const auto fs = CHITIN_TRY(entries_of(value, context, "permissions.filesystem"));
      CHITIN_RETURN_IF_ERROR(
          no_unknown_keys(fs, {"read", "write"}, context, "permissions.filesystem"));
      for (const auto& [fs_key, list] : fs) {
        auto paths = CHITIN_TRY(
            checked_list(list, context, "permissions.filesystem." + fs_key, check_filesystem_path));
        (fs_key == "read" ? p.fs_read : p.fs_write) = std::move(paths);
      }
    } else if (key == "network") {
      const auto net = CHITIN_TRY(entries_of(value, context, "permissions.network"));
      CHITIN_RETURN_IF_ERROR(no_unknown_keys(net, {"hosts"}, context, "permissions.network"));
      for (const auto& [net_key, list] : net) {
        p.hosts =
            CHITIN_TRY(checked_list(list, context, "permissions.network.hosts", check_host_rule));
      }
    } else if (key == "limits") {
      const auto limits = CHITIN_TRY(entries_of(value, context, "permissions.limits"));
      CHITIN_RETURN_IF_ERROR(
          no_unknown_keys(limits, {"timeout_s", "memory_mb"}, context, "permissions.limits"));
      for (const auto& [limit_key, v] : limits) {
        if (limit_key == "timeout_s") {
          p.timeout_s =
              CHITIN_TRY(limit(v, context, "permissions.limits.timeout_s", 1, kMaxTimeoutSeconds));
        } else {
          p.memory_mb = CHITIN_TRY(
              limit(v, context, "permissions.limits.memory_mb", kMinMemoryMb, kMaxMemoryMb));
        }
      }
    }
  }
  return p;
}

Result<void> parse_requires(const YAML::Node& node, const Context& context, SkillDocument& doc) {
  if (node.IsNull()) {
    return {};
  }
  if (!node.IsMap()) {
    return fail_at(context, node, "requires", "must be a mapping");
  }
  for (const auto& [key, value] : CHITIN_TRY(entries_of(node, context, "requires"))) {
    if (key == "bins") {
      doc.requirements.bins = CHITIN_TRY(string_list(value, context, "requires.bins"));
    } else if (key == "anyBins") {
      doc.requirements.any_bins = CHITIN_TRY(string_list(value, context, "requires.anyBins"));
    } else if (key == "env") {
      doc.requirements.env = CHITIN_TRY(string_list(value, context, "requires.env"));
    }
  }
  return {};
}

Result<void> parse_install(const YAML::Node& node, const Context& context, SkillDocument& doc) {
  if (node.IsNull()) {
    return {};
  }
  if (!node.IsSequence() || node.size() > kMaxListItems) {
    return fail_at(context, node, "install",
                   fmt::format("must be a list of at most {} installer specs", kMaxListItems));
  }
  for (const YAML::Node& item : node) {
    if (!item.IsMap()) {
      return fail_at(context, item, "install[]", "each installer spec must be a mapping");
    }
    InstallSpec spec;
    for (const auto& [key, value] : CHITIN_TRY(entries_of(item, context, "install[]"))) {
      if (key == "id") {
        spec.id = CHITIN_TRY(scalar(value, context, "install[].id"));
      } else if (key == "kind") {
        spec.kind = CHITIN_TRY(scalar(value, context, "install[].kind"));
      } else if (key == "label") {
        spec.label = CHITIN_TRY(scalar(value, context, "install[].label"));
      } else if (key == "formula" || key == "package" || key == "url" || key == "module") {
        spec.target = CHITIN_TRY(scalar(value, context, "install[]." + key));
      }
    }
    doc.install.push_back(std::move(spec));
  }
  return {};
}

Result<void> parse_openclaw(const YAML::Node& node, const Context& context, SkillDocument& doc) {
  if (node.IsNull()) {
    return {};
  }
  if (!node.IsMap()) {
    return fail_at(context, node, "metadata." + doc.metadata_key, "must be a mapping");
  }
  for (const auto& [key, value] : CHITIN_TRY(entries_of(node, context, "metadata"))) {
    if (key == "requires") {
      CHITIN_RETURN_IF_ERROR(parse_requires(value, context, doc));
    } else if (key == "primaryEnv") {
      doc.primary_env = CHITIN_TRY(scalar(value, context, "primaryEnv", 128));
    } else if (key == "os") {
      doc.os = CHITIN_TRY(string_list(value, context, "os", 8, 32));
    } else if (key == "install") {
      CHITIN_RETURN_IF_ERROR(parse_install(value, context, doc));
    } else if (key == "permissions") {
      doc.permissions = CHITIN_TRY(parse_permissions(value, context));
    } else if (key == "homepage" && doc.homepage.empty()) {
      doc.homepage = CHITIN_TRY(scalar(value, context, "homepage"));
    }
  }
  return {};
}

Result<void> parse_metadata(const YAML::Node& node, const Context& context, SkillDocument& doc) {
  if (node.IsNull()) {
    return {};
  }
  YAML::Node metadata = node;
  Context inner = context;
  if (node.IsScalar()) {
    // OpenClaw also accepts metadata written as a JSON string; JSON is YAML flow syntax.
    // Lines inside it are reported as the metadata key's line.
    inner.line_offset = line_of(context, node);
    metadata = CHITIN_TRY(load_yaml(node.Scalar(), inner));
    inner.line_offset = line_of(context, node);
  }
  if (!metadata.IsMap()) {
    return fail_at(context, node, "metadata", "must be a mapping");
  }
  std::optional<YAML::Node> chosen;
  for (const auto& [key, value] : CHITIN_TRY(entries_of(metadata, inner, "metadata"))) {
    if (key == "openclaw" ||
        ((key == "clawdbot" || key == "clawdis") && doc.metadata_key.empty())) {
      if (key == "openclaw" || !chosen) {
        doc.metadata_key = key;
        chosen = value;
      }
    }
  }
  if (chosen) {
    CHITIN_RETURN_IF_ERROR(parse_openclaw(*chosen, node.IsScalar() ? inner : context, doc));
  }
  return {};
}

}  // namespace

Result<void> check_skill_name(std::string_view name) {
  const bool ok = !name.empty() && name.size() <= kMaxNameBytes && name.front() != '-' &&
                  std::all_of(name.begin(), name.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                  });
  if (!ok) {
    return fail(ErrorCode::kInvalidInput,
                "'{}' is not a skill name: use 1..64 lower-case letters, digits and '-' "
                "(not starting with '-')",
                name.substr(0, 80));
  }
  return {};
}

Result<SkillDocument> parse_skill_md(std::string_view text, std::string_view file) {
  if (text.size() > kMaxSkillMdBytes) {
    return fail(ErrorCode::kLimitExceeded, "{}: larger than {} bytes", file, kMaxSkillMdBytes);
  }
  if (text.find('\0') != std::string_view::npos || !is_valid_utf8(text)) {
    return fail(ErrorCode::kInvalidInput, "{}: not UTF-8 text (NUL bytes or invalid UTF-8)", file);
  }
  if (text.starts_with("\xEF\xBB\xBF")) {
    text.remove_prefix(3);
  }
  // Line endings are normalised so that CRLF files parse like LF ones.
  std::string normalised;
  normalised.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    }
    normalised.push_back(text[i]);
  }
  std::string_view rest = normalised;
  if (!rest.starts_with("---\n")) {
    return fail(ErrorCode::kInvalidInput,
                "{}:1: SKILL.md must start with a '---' line that opens the YAML frontmatter "
                "(name, description)",
                file);
  }
  rest.remove_prefix(4);
  std::size_t end = 0;
  std::size_t lines = 0;
  for (;;) {
    const std::size_t newline = rest.find('\n', end);
    const std::string_view row =
        rest.substr(end, (newline == std::string_view::npos ? rest.size() : newline) - end);
    if (row == "---" || row == "...") {
      break;
    }
    if (newline == std::string_view::npos) {
      return fail(ErrorCode::kInvalidInput,
                  "{}: the frontmatter is not closed; add a '---' line after it", file);
    }
    end = newline + 1;
    ++lines;
    if (end > kMaxFrontmatterBytes) {
      return fail(ErrorCode::kLimitExceeded, "{}: frontmatter larger than {} bytes", file,
                  kMaxFrontmatterBytes);
    }
  }
  const std::string_view yaml = rest.substr(0, end);
  const std::size_t closing = rest.find('\n', end);
  SkillDocument doc;
  doc.body =
      closing == std::string_view::npos ? std::string() : std::string(rest.substr(closing + 1));
  doc.body_line = lines + 3;

  const Context context{file, 2};
  const YAML::Node root = CHITIN_TRY(load_yaml(yaml, context));
  if (!root.IsMap()) {
    return fail(ErrorCode::kInvalidInput,
                "{}:2: the frontmatter must be a YAML mapping with at least 'name' and "
                "'description'",
                file);
  }
  for (const auto& [key, value] : CHITIN_TRY(entries_of(root, context, "frontmatter"))) {
    if (key == "name") {
      doc.name = CHITIN_TRY(scalar(value, context, key, kMaxNameBytes + 16));
      if (auto ok = check_skill_name(doc.name); !ok) {
        return fail_at(context, value, key, ok.error().message);
      }
    } else if (key == "description") {
      doc.description = CHITIN_TRY(scalar(value, context, key));
    } else if (key == "version") {
      doc.version = CHITIN_TRY(scalar(value, context, key, 64));
    } else if (key == "homepage") {
      doc.homepage = CHITIN_TRY(scalar(value, context, key));
    } else if (key == "user-invocable") {
      doc.user_invocable = CHITIN_TRY(boolean(value, context, key));
    } else if (key == "disable-model-invocation") {
      doc.disable_model_invocation = CHITIN_TRY(boolean(value, context, key));
    } else if (key == "metadata") {
      CHITIN_RETURN_IF_ERROR(parse_metadata(value, context, doc));
    }
  }
  if (doc.name.empty()) {
    return fail(ErrorCode::kInvalidInput, "{}:2: 'name' is required (e.g. name: my-skill)", file);
  }
  if (doc.description.empty()) {
    return fail(ErrorCode::kInvalidInput,
                "{}:2: 'description' is required: one sentence on what the skill does", file);
  }
  if (std::any_of(doc.version.begin(), doc.version.end(),
                  [](char c) { return c <= 0x20 || c == 0x7f; })) {
    return fail(ErrorCode::kInvalidInput,
                "{}: 'version' must not contain spaces or control "
                "characters",
                file);
  }
  return doc;
}

}  // namespace chitin::skills
