#include "skills/shell_words.h"

#include <algorithm>
#include <array>

namespace chitin::skills {

namespace {

constexpr std::size_t kMaxNesting = 64;
constexpr std::size_t kMaxCommands = 4096;

enum class ShellContext : unsigned char {
  kCode,        // top level, $( ), ( ), <( )
  kBacktick,    // ` `
  kDouble,      // " "
  kParameter,   // ${ }
  kArithmetic,  // $(( ))
  kTest,        // [[ ]]
};

struct Frame {
  ShellContext context;
  bool command_position = true;
  int parens = 0;  // kArithmetic: open parentheses inside
};

bool is_meta(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '|' || c == '&' || c == '(' ||
         c == ')' || c == '<' || c == '>' || c == '"' || c == '\'' || c == '`' || c == '\r';
}

bool is_command_prefix(std::string_view word) {
  static constexpr std::array<std::string_view, 17> kPrefixes = {
      "sudo", "doas", "then",  "do",  "else", "elif",    "if",    "while", "until",
      "!",    "time", "nohup", "env", "exec", "command", "xargs", "{"};
  return std::find(kPrefixes.begin(), kPrefixes.end(), word) != kPrefixes.end();
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {
    // Never reallocates (push() stops at kMaxNesting), so Frame references stay valid.
    stack_.reserve(kMaxNesting);
    stack_.push_back({ShellContext::kCode});
  }

  std::vector<std::pair<std::string, std::size_t>> run() {
    while (i_ < text_.size() && out_.size() < kMaxCommands) {
      switch (stack_.back().context) {
        case ShellContext::kCode:
        case ShellContext::kBacktick:
          code();
          break;
        case ShellContext::kDouble:
          double_quoted();
          break;
        case ShellContext::kParameter:
          parameter();
          break;
        case ShellContext::kArithmetic:
          arithmetic();
          break;
        case ShellContext::kTest:
          test();
          break;
      }
    }
    return std::move(out_);
  }

 private:
  char at(std::size_t k) const { return k < text_.size() ? text_[k] : '\0'; }

  void push(ShellContext context, bool command_position = false) {
    if (stack_.size() < kMaxNesting) {
      stack_.push_back({context, command_position});
    }
  }
  void pop() {
    if (stack_.size() > 1) {
      stack_.pop_back();
    }
  }

  void skip_single_quoted() {
    const std::size_t end = text_.find('\'', i_ + 1);
    i_ = end == std::string_view::npos ? text_.size() : end + 1;
  }

  // "$(", "${", "$((" and "`" start nested contexts anywhere except single quotes.
  bool dollar_or_backtick() {
    const char c = at(i_);
    if (c == '`') {
      if (stack_.back().context == ShellContext::kBacktick) {
        pop();
      } else {
        push(ShellContext::kBacktick, true);
      }
      ++i_;
      return true;
    }
    if (c != '$') {
      return false;
    }
    if (at(i_ + 1) == '(' && at(i_ + 2) == '(') {
      push(ShellContext::kArithmetic);
      i_ += 3;
    } else if (at(i_ + 1) == '(') {
      push(ShellContext::kCode, true);
      i_ += 2;
    } else if (at(i_ + 1) == '{') {
      push(ShellContext::kParameter);
      i_ += 2;
    } else if (at(i_ + 1) == '\'') {  // $'...' ANSI-C quoting
      ++i_;
      skip_single_quoted();
    } else {
      ++i_;
    }
    return true;
  }

  void double_quoted() {
    const char c = at(i_);
    if (c == '\\') {
      i_ += 2;
    } else if (c == '"') {
      pop();
      ++i_;
    } else if (!dollar_or_backtick()) {
      ++i_;
    }
  }

  void parameter() {
    const char c = at(i_);
    if (c == '}') {
      pop();
      ++i_;
    } else if (c == '\\') {
      i_ += 2;
    } else if (c == '\'') {
      skip_single_quoted();
    } else if (c == '"') {
      push(ShellContext::kDouble);
      ++i_;
    } else if (!dollar_or_backtick()) {
      ++i_;
    }
  }

  void arithmetic() {
    const char c = at(i_);
    Frame& frame = stack_.back();
    if (c == '(') {
      ++frame.parens;
    } else if (c == ')') {
      if (frame.parens > 0) {
        --frame.parens;
      } else if (at(i_ + 1) == ')') {
        pop();
        i_ += 2;
        return;
      }
    }
    ++i_;
  }

  void test() {
    const char c = at(i_);
    if (c == ']' && at(i_ + 1) == ']') {
      pop();
      i_ += 2;
    } else if (c == '\\') {
      i_ += 2;
    } else if (c == '\'') {
      skip_single_quoted();
    } else if (c == '"') {
      push(ShellContext::kDouble);
      ++i_;
    } else if (!dollar_or_backtick()) {
      ++i_;
    }
  }

  // Skips a word that is not a command (an argument or an assignment's value), honouring
  // quotes and nested expansions by handing them to the context machinery.
  void skip_argument() {
    while (i_ < text_.size()) {
      const char c = at(i_);
      if (c == '\\') {
        i_ += 2;
      } else if (c == '\'') {
        skip_single_quoted();
      } else if (c == '"' || c == '$' || c == '`') {
        if (c == '"') {
          push(ShellContext::kDouble);
          ++i_;
        } else {
          dollar_or_backtick();
        }
        return;  // the nested context finishes the word
      } else if (is_meta(c)) {
        return;
      } else {
        ++i_;
      }
    }
  }

  void skip_balanced_parentheses() {
    int depth = 0;
    while (i_ < text_.size()) {
      const char c = at(i_);
      if (c == '\'') {
        skip_single_quoted();
        continue;
      }
      if (c == '(') {
        ++depth;
      } else if (c == ')' && --depth == 0) {
        ++i_;
        return;
      }
      ++i_;
    }
  }

  void code() {
    Frame& frame = stack_.back();
    const char c = at(i_);
    const bool word_start = i_ == 0 || is_meta(at(i_ - 1));
    if (c == '#' && word_start) {
      i_ = std::min(text_.find('\n', i_), text_.size());
      return;
    }
    if (c == '\\') {
      i_ += 2;
      return;
    }
    if (c == '\'') {
      skip_single_quoted();
      frame.command_position = false;
      return;
    }
    if (c == '"') {
      frame.command_position = false;
      push(ShellContext::kDouble);
      ++i_;
      return;
    }
    if (c == '$' || c == '`') {
      frame.command_position = c == '`' ? frame.command_position : false;
      dollar_or_backtick();
      return;
    }
    if (c == ')') {
      if (stack_.size() > 1 && frame.context == ShellContext::kCode) {
        pop();
      } else {
        frame.command_position = true;  // end of a case pattern or a subshell
      }
      ++i_;
      return;
    }
    if (c == '<' || c == '>') {
      if (at(i_ + 1) == '(') {  // process substitution
        push(ShellContext::kCode, true);
        i_ += 2;
        return;
      }
      // A redirection: its operator and target are not commands.
      ++i_;
      while (at(i_) == '>' || at(i_) == '<' || at(i_) == '&' || at(i_) == '|') {
        ++i_;
      }
      while (at(i_) == ' ' || at(i_) == '\t') {
        ++i_;
      }
      skip_argument();
      return;
    }
    if (c == '\n' || c == ';' || c == '|' || c == '&' || c == '(' || c == '{' || c == '}') {
      frame.command_position = true;
      ++i_;
      return;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i_;
      return;
    }
    if (c == '[' && at(i_ + 1) == '[' && frame.command_position) {
      frame.command_position = false;  // before push(): `frame` refers into the stack
      push(ShellContext::kTest);
      i_ += 2;
      return;
    }
    // A word.
    const std::size_t start = i_;
    while (i_ < text_.size() && !is_meta(at(i_)) && at(i_) != '$' && at(i_) != '=' &&
           at(i_) != '\\') {
      ++i_;
    }
    std::string_view word = text_.substr(start, i_ - start);
    if (at(i_) == '=' || (word.ends_with('+') && at(i_) == '=')) {
      // NAME=value or NAME+=(...): an assignment; the command (if any) follows.
      ++i_;
      if (at(i_) == '(') {
        skip_balanced_parentheses();
      } else {
        skip_argument();
      }
      return;
    }
    if (!frame.command_position || word.empty()) {
      if (word.empty()) {
        ++i_;
      }
      return;
    }
    if (at(i_) == ')' || word.ends_with(')')) {
      return;  // a case pattern "feat)"
    }
    if (is_command_prefix(word)) {
      return;
    }
    if (word == "for" || word == "case" || word == "select" || word == "function" || word == "in") {
      frame.command_position = false;
      return;
    }
    frame.command_position = false;
    const std::size_t slash = word.rfind('/');
    out_.emplace_back(std::string(slash == std::string_view::npos ? word : word.substr(slash + 1)),
                      start);
  }

  std::string_view text_;
  std::size_t i_ = 0;
  std::vector<Frame> stack_;
  std::vector<std::pair<std::string, std::size_t>> out_;
};

}  // namespace

std::vector<std::pair<std::string, std::size_t>> shell_commands(std::string_view script) {
  return Lexer(script).run();
}

}  // namespace chitin::skills
