#include "skills/yara_rules.h"

#include <fmt/core.h>
#include <yara.h>

#include <algorithm>
#include <cstring>
#include <mutex>

namespace chitin::skills {

namespace {

// Seconds a scan of one buffer may take before libyara stops it (a safety net; the rules are
// linear, so real inputs finish in milliseconds).
constexpr int kScanTimeoutSeconds = 10;

Result<void> initialise_once() {
  static std::once_flag once;
  static int status = ERROR_SUCCESS;
  std::call_once(once, [] { status = yr_initialize(); });
  if (status != ERROR_SUCCESS) {
    return fail(ErrorCode::kUnavailable, "libyara could not be initialised (error {})", status);
  }
  return {};
}

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
  CHITIN_RETURN_IF_ERROR(initialise_once());
  YR_COMPILER* compiler = nullptr;
  if (yr_compiler_create(&compiler) != ERROR_SUCCESS) {
    return fail(ErrorCode::kInternal, "cannot create a YARA compiler (out of memory)");
  }
  std::unique_ptr<YR_COMPILER, void (*)(YR_COMPILER*)> owned(compiler, yr_compiler_destroy);
  CompileErrors errors;
  yr_compiler_set_callback(compiler, on_compile_message, &errors);
  const std::string text(source);
  if (yr_compiler_add_string(compiler, text.c_str(), nullptr) != 0) {
    return fail(ErrorCode::kInternal, "the built-in scanner rules do not compile: {}", errors.text);
  }
  YR_RULES* rules = nullptr;
  if (yr_compiler_get_rules(compiler, &rules) != ERROR_SUCCESS) {
    return fail(ErrorCode::kInternal, "cannot build the scanner rules (out of memory)");
  }
  return std::make_unique<YaraRules>(PrivateTag{}, rules);
}

YaraRules::~YaraRules() { yr_rules_destroy(rules_); }

Result<std::vector<YaraMatch>> YaraRules::scan(std::string_view data) const {
  std::vector<YaraMatch> matches;
  ScanState state{&matches};
  const int status =
      yr_rules_scan_mem(rules_, reinterpret_cast<const std::uint8_t*>(data.data()), data.size(),
                        SCAN_FLAGS_FAST_MODE, on_scan_message, &state, kScanTimeoutSeconds);
  if (status != ERROR_SUCCESS) {
    return fail(ErrorCode::kInternal, "the YARA scan failed (error {})", status);
  }
  std::sort(matches.begin(), matches.end(),
            [](const YaraMatch& a, const YaraMatch& b) { return a.offset < b.offset; });
  return matches;
}

}  // namespace chitin::skills
