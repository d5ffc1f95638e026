#include "config/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "config/schema.h"
#include "config/toml.h"
#include "sys/file_ops.h"

namespace chitin::config {

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean 'x'?)" for the closest known name within distance 2, or "".
template <class Names>
std::string suggestion(std::string_view unknown, const Names& names) {
  std::string_view best;
  std::size_t best_distance = 3;
  for (std::string_view name : names) {
    const std::size_t d = edit_distance(unknown, name);
    if (d < best_distance) {
      best_distance = d;
      best = name;
    }
  }
  return best.empty() ? std::string() : fmt::format(" (did you mean '{}'?)", best);
}

class ConfigParser {
 public:
  explicit ConfigParser(std::string_view source) : source_(source) {}

  void problem(toml::Position where, std::string_view key, std::string_view what) {
    if (problems_.size() < kMaxReportedProblems) {
      problems_.push_back(
          fmt::format("{}:{}:{}: key '{}': {}", source_, where.line, where.column, key, what));
    } else {
      truncated_ = true;
    }
  }

  void walk(const toml::Document& document) {
    std::vector<std::string_view> section_names;
    for (const SectionSpec& s : section_specs()) {
      section_names.push_back(s.name);
    }
    const auto known_section = [&](std::string_view name) {
      return std::find(section_names.begin(), section_names.end(), name) != section_names.end();
    };
    for (const toml::Entry& entry : document.tables.front().entries) {
      if (known_section(entry.key)) {
        problem(entry.value.position, entry.key,
                fmt::format("expected a table ([{}]), got {}", entry.key,
                            toml::kind_name(entry.value.kind)));
      } else {
        problem(entry.key_position, entry.key,
                fmt::format("unknown section or key{}; see docs/config.md for the keys",
                            suggestion(entry.key, section_names)));
      }
    }
    for (std::size_t i = 1; i < document.tables.size(); ++i) {
      const toml::Table& table = document.tables[i];
      if (table.name.starts_with("models.")) {
        walk_model(table);
        continue;
      }
      if (!known_section(table.name)) {
        problem(table.position, table.name,
                fmt::format("unknown section or key{}; see docs/config.md for the keys",
                            suggestion(table.name, section_names)));
        continue;
      }
      walk_section(table);
      if (table.name == "gateway") {
        gateway_position_ = table.position;
      }
    }
  }

  // [models.NAME]: its own small table of keys, since the section names are the user's.
  void walk_model(const toml::Table& table) {
    const std::string name = table.name.substr(7);
    if (name.empty() || name.size() > 64 ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos) {
      return problem(table.position, table.name,
                     "a model name is 1-64 of a-z, 0-9, '_' and '-' (e.g. [models.default])");
    }
    if (config_.models.size() >= kMaxModels && config_.models.count(name) == 0) {
      return problem(table.position, table.name,
                     fmt::format("at most {} models can be configured", kMaxModels));
    }
    ModelConfig& model = config_.models[name];
    static constexpr std::string_view kFields[] = {"provider",       "base_url",   "model",
                                                   "api_key_secret", "max_tokens", "timeout_s"};
    for (const toml::Entry& entry : table.entries) {
      const std::string key = fmt::format("{}.{}", table.name, entry.key);
      const toml::Value& value = entry.value;
      const bool integer_field = entry.key == "max_tokens" || entry.key == "timeout_s";
      if (std::find(std::begin(kFields), std::end(kFields), entry.key) == std::end(kFields)) {
        problem(entry.key_position, key,
                fmt::format("unknown key{}; a model has provider, base_url, model, "
                            "api_key_secret, max_tokens and timeout_s",
                            suggestion(entry.key, kFields)));
        continue;
      }
      if (integer_field) {
        const std::int64_t max = entry.key == "max_tokens" ? 1000000 : 3600;
        if (value.kind != toml::Value::Kind::kInteger || value.integer < 1 || value.integer > max) {
          problem(value.position, key, fmt::format("expected an integer 1..{}", max));
          continue;
        }
        (entry.key == "max_tokens" ? model.max_tokens : model.timeout_s) = value.integer;
        continue;
      }
      if (value.kind != toml::Value::Kind::kString || value.string.size() > 2048) {
        problem(value.position, key, "expected a string (at most 2048 bytes)");
        continue;
      }
      const std::string& text = value.string;
      if (entry.key == "provider") {
        if (text != "openai" && text != "anthropic") {
          problem(value.position, key,
                  fmt::format("'{}' is not a provider; use \"openai\" (any OpenAI-compatible "
                              "server: OpenAI, DeepSeek, Kimi, Qwen, GLM, MiniMax, Ollama, vLLM, "
                              "llama.cpp) or \"anthropic\"",
                              text.substr(0, 40)));
          continue;
        }
        model.provider = text;
      } else if (entry.key == "base_url") {
        if (auto ok = check_model_url(text); !ok) {
          problem(value.position, key, ok.error().message);
          continue;
        }
        model.base_url = text;
      } else if (entry.key == "model") {
        model.model = text;
      } else {
        if (!text.empty() &&
            (!std::isalpha(static_cast<unsigned char>(text[0])) || text.size() > 64 ||
             text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
                                    "QRSTUVWXYZ0123456789_-.") != std::string::npos)) {
          problem(value.position, key,
                  "not a secret name; store the key with 'chitin secrets set NAME --hosts HOST' "
                  "and put NAME here (never the key itself)");
          continue;
        }
        model.api_key_secret = text;
      }
    }
    for (const std::string_view required : {"provider", "base_url", "model"}) {
      const bool missing = required == "provider"   ? model.provider.empty()
                           : required == "base_url" ? model.base_url.empty()
                                                    : model.model.empty();
      if (missing) {
        problem(table.position, table.name,
                fmt::format("'{}' is required for a model (see docs/config.md)", required));
      }
    }
  }

  void walk_section(const toml::Table& table) {
    std::vector<std::string_view> names;
    for (const KeySpec& spec : key_specs()) {
      if (spec.section() == table.name) {
        names.push_back(spec.name());
      }
    }
    for (const toml::Entry& entry : table.entries) {
      const std::string full = fmt::format("{}.{}", table.name, entry.key);
      const KeySpec* spec = find_key(full);
      if (spec == nullptr) {
        problem(entry.key_position, full,
                fmt::format("unknown key{}; see docs/config.md for the keys of [{}]",
                            suggestion(entry.key, names), table.name));
        continue;
      }
      if (spec->key == "gateway.bind") {
        bind_position_ = entry.value.position;
      }
      apply(*spec, entry.value);
    }
  }

  void apply(const KeySpec& spec, const toml::Value& value) {
    std::visit([&](auto ref) { apply_to(spec, ref, value); }, spec.field);
  }

  void type_mismatch(const KeySpec& spec, const toml::Value& value) {
    problem(value.position, spec.key,
            fmt::format("expected {}, got {}", describe_type(spec), toml::kind_name(value.kind)));
  }

  void apply_to(const KeySpec& spec, BoolRef ref, const toml::Value& value) {
    if (value.kind != toml::Value::Kind::kBoolean) {
      return type_mismatch(spec, value);
    }
    ref(config_) = value.boolean;
  }

  void apply_to(const KeySpec& spec, IntegerRef ref, const toml::Value& value) {
    if (value.kind != toml::Value::Kind::kInteger) {
      return type_mismatch(spec, value);
    }
    if (value.integer < spec.min || value.integer > spec.max) {
      return problem(
          value.position, spec.key,
          fmt::format("{} is out of range; use {}..{}", value.integer, spec.min, spec.max));
    }
    ref(config_) = value.integer;
  }

  bool check_string(const KeySpec& spec, const toml::Value& value) {
    const std::string& text = value.string;
    if (text.size() > spec.max_length) {
      problem(value.position, spec.key,
              fmt::format("value is {} bytes long; the limit is {}", text.size(), spec.max_length));
      return false;
    }
    if (!spec.choices.empty()) {
      bool allowed = false;
      std::string_view rest = spec.choices;
      while (!rest.empty()) {
        const auto bar = std::min(rest.find('|'), rest.size());
        allowed = allowed || rest.substr(0, bar) == text;
        rest.remove_prefix(std::min(bar + 1, rest.size()));
      }
      if (!allowed) {
        problem(value.position, spec.key,
                fmt::format("'{}' is not allowed; use one of {}", text, spec.choices));
        return false;
      }
    }
    if (spec.check != nullptr) {
      if (auto ok = spec.check(text); !ok) {
        problem(value.position, spec.key, ok.error().message);
        return false;
      }
    }
    return true;
  }

  void apply_to(const KeySpec& spec, StringRef ref, const toml::Value& value) {
    if (value.kind != toml::Value::Kind::kString) {
      return type_mismatch(spec, value);
    }
    if (check_string(spec, value)) {
      ref(config_) = value.string;
    }
  }

  void apply_to(const KeySpec& spec, StringListRef ref, const toml::Value& value) {
    if (value.kind != toml::Value::Kind::kArray) {
      return type_mismatch(spec, value);
    }
    if (value.items.size() > spec.max_items) {
      return problem(
          value.position, spec.key,
          fmt::format("has {} items; the limit is {}", value.items.size(), spec.max_items));
    }
    std::vector<std::string> values;
    bool ok = true;
    for (const toml::Value& item : value.items) {
      if (item.kind != toml::Value::Kind::kString) {
        problem(item.position, spec.key,
                fmt::format("every item must be a string, got {}", toml::kind_name(item.kind)));
        ok = false;
        continue;
      }
      if (std::find(values.begin(), values.end(), item.string) != values.end()) {
        problem(item.position, spec.key, fmt::format("'{}' is listed twice", item.string));
        ok = false;
        continue;
      }
      ok = check_string(spec, item) && ok;
      values.push_back(item.string);
    }
    if (ok) {
      ref(config_) = std::move(values);
    }
  }

  // Rules that involve more than one key.
  void cross_check() {
    const GatewayConfig& g = config_.gateway;
    const toml::Position where = bind_position_.line > 0 ? bind_position_ : gateway_position_;
    if (g.tls_cert.empty() != g.tls_key.empty()) {
      problem(where, "gateway.tls_cert",
              "gateway.tls_cert and gateway.tls_key must be set together (or both left empty)");
    }
    if (!is_loopback_literal(g.bind) && (g.tls_cert.empty() || g.tls_key.empty())) {
      problem(where, "gateway.bind",
              fmt::format("'{}' is not a loopback address, and TLS is required off loopback: "
                          "set gateway.tls_cert and gateway.tls_key, or bind 127.0.0.1",
                          g.bind));
    }
  }

  Result<Config> finish() {
    if (problems_.empty()) {
      return std::move(config_);
    }
    std::string message = fmt::format("{}", fmt::join(problems_, "\n"));
    if (truncated_) {
      message += fmt::format("\n{}: more problems not shown (first {} reported)", source_,
                             kMaxReportedProblems);
    }
    return fail(ErrorCode::kInvalidInput, std::move(message));
  }

 private:
  std::string source_;
  Config config_;
  std::vector<std::string> problems_;
  bool truncated_ = false;
  toml::Position bind_position_{0, 0};
  toml::Position gateway_position_{1, 1};
};

void append_toml_string(std::string& out, std::string_view value) {
  out.push_back('"');
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u == 0x7F) {
      out += fmt::format("\\u{:04X}", u);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

std::string render_value(const KeySpec& spec, Config& config) {
  return std::visit(
      [&](auto ref) -> std::string {
        using T = decltype(ref);
        std::string out;
        if constexpr (std::is_same_v<T, BoolRef>) {
          out = ref(config) ? "true" : "false";
        } else if constexpr (std::is_same_v<T, IntegerRef>) {
          out = fmt::format("{}", ref(config));
        } else if constexpr (std::is_same_v<T, StringRef>) {
          append_toml_string(out, ref(config));
        } else {
          out = "[";
          bool first = true;
          for (const std::string& item : ref(config)) {
            out += first ? "" : ", ";
            first = false;
            append_toml_string(out, item);
          }
          out += "]";
        }
        return out;
      },
      spec.field);
}

void append_comment(std::string& out, std::string_view text) {
  // Wrap at ~96 columns so the written file stays readable.
  std::string line = "#";
  std::istringstream words{std::string(text)};
  std::string word;
  while (words >> word) {
    if (line.size() + 1 + word.size() > 96) {
      out += line + "\n";
      line = "#";
    }
    line += " " + word;
  }
  out += line + "\n";
}

// TOML 1.0 forbids control characters other than tab, LF and CR, and requires UTF-8; checking
// the whole text first gives one clear error with its position.
Result<void> check_characters(std::string_view text, std::string_view source) {
  std::size_t line = 1;
  std::size_t column = 1;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      return fail(ErrorCode::kInvalidInput,
                  "{}:{}:{}: control character 0x{:02x} is not allowed in TOML; remove it", source,
                  line, column, c);
    }
    const std::size_t length = utf8_sequence_length(text.substr(i));
    if (length == 0) {
      return fail(ErrorCode::kInvalidInput,
                  "{}:{}:{}: invalid UTF-8 (byte 0x{:02x}); save the file as UTF-8", source, line,
                  column, c);
    }
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += length;
  }
  return {};
}

}  // namespace

std::string redact_url(std::string_view url) {
  std::string out(url.substr(0, url.find_first_of("?#")));
  const auto scheme = out.find("://");
  const auto start = scheme == std::string::npos ? 0 : scheme + 3;
  const auto end = std::min(out.find('/', start), out.size());
  const auto at = out.rfind('@', end);
  if (at != std::string::npos && at >= start && at < end) {
    out.erase(start, at + 1 - start);
  }
  if (out.size() < url.size() && url.find_first_of("?#") != std::string_view::npos) {
    out += "?…";
  }
  return out;
}

Result<void> check_model_url(std::string_view url) {
  const bool https = url.starts_with("https://");
  if (!https && !url.starts_with("http://")) {
    return fail(ErrorCode::kInvalidInput,
                "base_url must start with https:// (or http:// for a server on this machine)");
  }
  std::string_view rest = url.substr(https ? 8 : 7);
  std::string_view authority = rest.substr(0, rest.find('/'));
  for (const char c : url) {
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) {
      return fail(ErrorCode::kInvalidInput, "base_url contains a space or control character");
    }
  }
  if (authority.empty() || authority.find_first_of("@ ?#") != std::string_view::npos) {
    return fail(ErrorCode::kInvalidInput,
                "base_url '{}' has no host (or has a user, space, "
                "query or fragment)",
                redact_url(url.substr(0, 100)));
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return fail(ErrorCode::kInvalidInput,
                "base_url '{}' carries a query or fragment; keys belong in the secrets store "
                "(api_key_secret), not in the URL",
                redact_url(url.substr(0, 100)));
  }
  if (!https) {
    std::string_view host = authority;
    if (host.starts_with('[')) {
      host = host.substr(1, host.find(']') - 1);
    } else {
      host = host.substr(0, host.find(':'));
    }
    if (host != "localhost" && !is_loopback_literal(host)) {
      return fail(ErrorCode::kInvalidInput,
                  "base_url '{}' uses plain http:// to another machine: the API key would cross "
                  "the network unencrypted; use https://",
                  redact_url(url.substr(0, 100)));
    }
  }
  return {};
}

Result<Config> parse_config(std::string_view text, std::string_view source) {
  CHITIN_RETURN_IF_ERROR(check_characters(text, source));
  const toml::Document document = CHITIN_TRY(toml::parse(text, source));
  ConfigParser parser(source);
  parser.walk(document);
  parser.cross_check();
  return parser.finish();
}

Result<Config> load_config(const std::string& path) {
  const std::string text = CHITIN_TRY(sys::read_file(path, kMaxConfigBytes));
  return parse_config(text, path);
}

std::string render_config(const Config& config, bool with_comments) {
  Config copy = config;  // the accessors take a mutable Config
  const Config defaults;
  std::string out;
  for (const SectionSpec& section : section_specs()) {
    if (!out.empty()) {
      out += "\n";
    }
    if (with_comments) {
      append_comment(out, section.doc);
    }
    out += fmt::format("[{}]\n", section.name);
    for (const KeySpec& spec : key_specs()) {
      if (spec.section() != section.name) {
        continue;
      }
      if (with_comments) {
        Config default_copy = defaults;
        append_comment(out, spec.doc);
        append_comment(out, fmt::format("Type: {}. Default: {}.", describe_type(spec),
                                        render_value(spec, default_copy)));
      }
      out += fmt::format("{} = {}\n", spec.name(), render_value(spec, copy));
    }
  }
  const auto quoted = [](const std::string& text) {
    std::string rendered;
    append_toml_string(rendered, text);
    return rendered;
  };
  for (const auto& [name, model] : config.models) {
    out += fmt::format("\n[models.{}]\nprovider = {}\nbase_url = {}\nmodel = {}\n", name,
                       quoted(model.provider), quoted(model.base_url), quoted(model.model));
    if (!model.api_key_secret.empty()) {
      out += fmt::format("api_key_secret = {}\n", quoted(model.api_key_secret));
    }
    out += fmt::format("max_tokens = {}\ntimeout_s = {}\n", model.max_tokens, model.timeout_s);
  }
  if (with_comments && config.models.empty()) {
    out +=
        "\n# Models: add one to chat with the agent (docs/config.md), e.g.\n"
        "# [models.default]\n"
        "# provider = \"openai\"        # any OpenAI-compatible server, or \"anthropic\"\n"
        "# base_url = \"https://api.openai.com/v1\"\n"
        "# model = \"gpt-4o-mini\"\n"
        "# api_key_secret = \"openai\"  # chitin secrets set openai --hosts api.openai.com\n";
  }
  return out;
}

std::vector<std::string> dangerous_settings(const Config& config) {
  Config copy = config;
  std::vector<std::string> out;
  for (const KeySpec& spec : key_specs()) {
    if (!spec.dangerous()) {
      continue;
    }
    if (const auto* ref = std::get_if<BoolRef>(&spec.field); ref != nullptr && (*ref)(copy)) {
      out.emplace_back(spec.key);
    }
  }
  return out;
}

}  // namespace chitin::config
