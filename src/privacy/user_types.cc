#include "privacy/user_types.h"

#include "base/encoding.h"
#include "sys/file_ops.h"

namespace chitin::privacy {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

Result<UserDictionary> load_dictionary(std::string_view spec) {
  const std::size_t equals = spec.find('=');
  if (equals == std::string_view::npos || equals == 0 || equals + 1 == spec.size()) {
    return fail(ErrorCode::kInvalidInput,
                "dictionary '{}' must be TYPE=FILE, e.g. EMPLOYEE=staff.txt", spec.substr(0, 200));
  }
  UserDictionary dictionary;
  dictionary.type = std::string(spec.substr(0, equals));
  const std::string path(spec.substr(equals + 1));
  const std::string text = CHITIN_TRY(sys::read_file(path, kMaxDictionaryFileBytes));
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end;
    ++line_number;
    const std::string_view line = trim(std::string_view(text).substr(start, end - start));
    start = end + 1;
    if (line.empty() || line[0] == '#') {
      continue;
    }
    if (line.size() > kMaxTermBytes) {
      return fail(ErrorCode::kInvalidInput, "{}:{}: the term is longer than {} bytes", path,
                  line_number, kMaxTermBytes);
    }
    if (!is_valid_utf8(line) || line.find('\0') != std::string_view::npos) {
      return fail(ErrorCode::kInvalidInput,
                  "{}:{}: the term is not valid UTF-8 text; save the file as UTF-8", path,
                  line_number);
    }
    if (dictionary.terms.size() >= kMaxDictionaryTerms) {
      return fail(ErrorCode::kLimitExceeded, "{}: more than {} terms", path, kMaxDictionaryTerms);
    }
    dictionary.terms.emplace_back(line);
  }
  if (dictionary.terms.empty()) {
    return fail(ErrorCode::kInvalidInput, "{}: no terms (one term a line)", path);
  }
  return dictionary;
}

Result<UserPattern> parse_pattern_spec(std::string_view spec) {
  const std::size_t equals = spec.find('=');
  if (equals == std::string_view::npos || equals == 0 || equals + 1 == spec.size()) {
    return fail(ErrorCode::kInvalidInput,
                "pattern '{}' must be TYPE=REGEX or TYPE:VALIDATOR=REGEX, e.g. "
                "EMPLOYEE_ID=EMP-[0-9]{{6}}",
                spec.substr(0, 200));
  }
  UserPattern pattern;
  const std::string_view name = spec.substr(0, equals);
  const std::size_t colon = name.find(':');
  pattern.type = std::string(name.substr(0, colon));
  if (colon != std::string_view::npos) {
    pattern.validator = std::string(name.substr(colon + 1));
  }
  pattern.regex = std::string(spec.substr(equals + 1));
  return pattern;
}

Result<DetectorOptions> user_type_options(const std::vector<std::string>& dictionaries,
                                          const std::vector<std::string>& patterns) {
  DetectorOptions options;
  std::size_t terms = 0;
  for (const std::string& spec : dictionaries) {
    options.dictionaries.push_back(CHITIN_TRY(load_dictionary(spec)));
    terms += options.dictionaries.back().terms.size();
    if (terms > kMaxDictionaryTerms) {
      return fail(ErrorCode::kLimitExceeded,
                  "the dictionaries hold more than {} terms together; remove some",
                  kMaxDictionaryTerms);
    }
  }
  for (const std::string& spec : patterns) {
    options.patterns.push_back(CHITIN_TRY(parse_pattern_spec(spec)));
  }
  return options;
}

}  // namespace chitin::privacy
