#include "skills/yara_rules.h"

#include <fmt/core.h>
#include <yara.h>

#include <algorithm>
#include <cstring>

#include "base/shared_library.h"

namespace chitin::skills {

namespace {

// Seconds a scan of one buffer may take before libyara stops it (a safety net; the rules are
// linear, so real inputs finish in milliseconds).
constexpr int kScanTimeoutSeconds = 10;

// libyara, loaded by the first scan instead of at program start (base/shared_library.h says
// why; with libmagic and libjansson it is three libraries that only skill scans call).
struct Libyara {
  decltype(&::yr_compiler_create) compiler_create = nullptr;
  decltype(&::yr_compiler_destroy) compiler_destroy = nullptr;
  decltype(&::yr_compiler_set_callback) compiler_set_callback = nullptr;
  decltype(&::yr_compiler_add_string) compiler_add_string = nullptr;
  decltype(&::yr_compiler_get_rules) compiler_get_rules = nullptr;
  decltype(&::yr_rules_destroy) rules_destroy = nullptr;
  decltype(&::yr_rules_scan_mem) rules_scan_mem = nullptr;
};

// The soname of the headers we compile against (Debian 12: YARA 4.2, ABI 9). on_scan_message
// reads libyara's own structures, so headers and library must be the same release.
static_assert(YR_MAJOR_VERSION == 4 && YR_MINOR_VERSION == 2,
              "these headers are not libyara.so.9's; update kYaraSoname");
constexpr const char* kYaraSoname = "libyara.so.9";
constexpr std::string_view kYaraPackage = "libyara9";

Result<Libyara> load_libyara() {
  void* library = CHITIN_TRY(open_shared_library(kYaraSoname, kYaraPackage));
  Libyara api;
  decltype(&::yr_initialize) initialize = nullptr;
  const bool bound = bind_symbol(library, "yr_initialize", initialize) &&
                     bind_symbol(library, "yr_compiler_create", api.compiler_create) &&
                     bind_symbol(library, "yr_compiler_destroy", api.compiler_destroy) &&
                     bind_symbol(library, "yr_compiler_set_callback", api.compiler_set_callback) &&
                     bind_symbol(library, "yr_compiler_add_string", api.compiler_add_string) &&
                     bind_symbol(library, "yr_compiler_get_rules", api.compiler_get_rules) &&
                     bind_symbol(library, "yr_rules_destroy", api.rules_destroy) &&
                     bind_symbol(library, "yr_rules_scan_mem", api.rules_scan_mem);
  if (!bound) {
    return fail(missing_symbol_error(kYaraSoname, kYaraPackage));
  }
  // Once per process, before any compiler exists.
  if (const int status = initialize(); status != ERROR_SUCCESS) {
    return fail(ErrorCode::kUnavailable, "libyara could not be initialised (error {})", status);
  }
  return api;
}

Result<const Libyara*> libyara() { return load_once<Libyara, load_libyara>(); }

struct CompileErrors {
  std::string text;
};

void on_compile_message(int level, const char* /*file*/, int line, const YR_RULE* /*rule*/,
                        const char* message, void* user_data) {
  if (level == YARA_ERROR_LEVEL_ERROR) {
    auto* errors = static_cast<CompileErrors*>(user_data);
    errors->text += fmt::format("line {}: {}; ", line, message);
  }
}

struct ScanState {
  std::vector<YaraMatch>* matches;
};

int on_scan_message(YR_SCAN_CONTEXT* context, int message, void* message_data, void* user_data) {
  if (message != CALLBACK_MSG_RULE_MATCHING) {
    return CALLBACK_CONTINUE;
  }
  auto* state = static_cast<ScanState*>(user_data);
  auto* rule = static_cast<YR_RULE*>(message_data);
  YaraMatch match;
  const YR_META* meta = nullptr;
  yr_rule_metas_foreach(rule, meta) {
    if (meta->type != META_TYPE_STRING) {
      continue;
    }
    const std::string_view name = meta->identifier;
    if (name == "id") {
      match.id = meta->string;
    } else if (name == "severity") {
      match.severity = meta->string;
    } else if (name == "message") {
      match.message = meta->string;
    }
  }
  bool found = false;
  const YR_STRING* string = nullptr;
  yr_rule_strings_foreach(rule, string) {
    // Not yr_string_matches_foreach: libyara 4.2 stores YR_MATCH records unaligned in its
    // notebook allocator, so each record is copied out before its fields are read (UBSan
    // reports the direct member access).
    const YR_MATCH* hit = context->matches[string->idx].head;
    while (hit != nullptr) {
      YR_MATCH copy;
      std::memcpy(&copy, hit, sizeof(copy));
      const auto offset = static_cast<std::size_t>(copy.offset);
      if (!copy.is_private && (!found || offset < match.offset)) {
        match.offset = offset;
        match.length = static_cast<std::size_t>(copy.match_length);
        found = true;
      }
      hit = copy.next;
    }
  }
  state->matches->push_back(std::move(match));
  return CALLBACK_CONTINUE;
}

}  // namespace

Result<std::unique_ptr<YaraRules>> YaraRules::compile(std::string_view source) {
  const Libyara* api = CHITIN_TRY(libyara());
  YR_COMPILER* compiler = nullptr;
  if (api->compiler_create(&compiler) != ERROR_SUCCESS) {
    return fail(ErrorCode::kInternal, "cannot create a YARA compiler (out of memory)");
  }
  std::unique_ptr<YR_COMPILER, void (*)(YR_COMPILER*)> owned(compiler, api->compiler_destroy);
  CompileErrors errors;
  api->compiler_set_callback(compiler, on_compile_message, &errors);
  const std::string text(source);
  if (api->compiler_add_string(compiler, text.c_str(), nullptr) != 0) {
    return fail(ErrorCode::kInternal, "the built-in scanner rules do not compile: {}", errors.text);
  }
  YR_RULES* rules = nullptr;
  if (api->compiler_get_rules(compiler, &rules) != ERROR_SUCCESS) {
    return fail(ErrorCode::kInternal, "cannot build the scanner rules (out of memory)");
  }
  return std::make_unique<YaraRules>(PrivateTag{}, rules);
}

// Rules exist only once libyara has loaded.
YaraRules::~YaraRules() { (*libyara())->rules_destroy(rules_); }

Result<std::vector<YaraMatch>> YaraRules::scan(std::string_view data) const {
  std::vector<YaraMatch> matches;
  ScanState state{&matches};
  const int status =
      (*libyara())
          ->rules_scan_mem(rules_, reinterpret_cast<const std::uint8_t*>(data.data()), data.size(),
                           SCAN_FLAGS_FAST_MODE, on_scan_message, &state, kScanTimeoutSeconds);
  if (status != ERROR_SUCCESS) {
    return fail(ErrorCode::kInternal, "the YARA scan failed (error {})", status);
  }
  std::sort(matches.begin(), matches.end(),
            [](const YaraMatch& a, const YaraMatch& b) { return a.offset < b.offset; });
  return matches;
}

}  // namespace chitin::skills
