#include "skills/script_check.h"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <set>
#include <string>

#include "base/log.h"
#include "base/parse.h"
#include "skills/content_checks.h"
#include "skills/shell_words.h"

namespace chitin::skills {

// Shell words that are not programs: keywords, builtins, and the POSIX utilities every
// sandbox provides from /usr (docs/skill-scanner.md: exec[] lists binaries beyond these).
const std::set<std::string_view>& baseline_commands() {
  static const std::set<std::string_view> names = {
      // keywords and builtins
      "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac",
      "in", "function", "return", "exit", "local", "export", "readonly", "declare", "typeset",
      "set", "unset", "shift", "source", ".", "eval", "exec", "trap", "wait", "read", "cd", "pwd",
      "echo", "printf", "test", "[", "[[", "]]", "true", "false", ":", "break", "continue",
      "command", "type", "hash", "getopts", "let", "alias", "unalias", "umask", "ulimit", "shopt",
      "builtin", "time", "!", "{", "}", "select", "mapfile", "readarray", "pushd", "popd", "dirs",
      "jobs", "fg", "bg", "kill", "disown", "nohup", "env", "xargs",
      // POSIX utilities
      "cat", "ls", "cp", "mv", "rm", "mkdir", "rmdir", "touch", "head", "tail", "wc", "sort",
      "uniq", "cut", "tr", "sed", "awk", "grep", "egrep", "fgrep", "find", "date", "basename",
      "dirname", "tee", "mktemp", "realpath", "readlink", "stat", "chmod", "ln", "du", "df", "expr",
      "seq", "id", "whoami", "uname", "hostname", "diff", "cmp", "comm", "paste", "join", "fold",
      "fmt", "nl", "od", "tac", "rev", "shuf", "split", "md5sum", "sha1sum", "sha256sum",
      "sha512sum", "b2sum", "cksum", "base64", "sleep", "tput", "column", "iconv", "file", "which",
      "nproc", "getopt", "printenv", "yes", "tar", "gzip", "gunzip", "zcat", "sync", "tsort", "sum",
      "truncate", "install", "logname", "ps"};
  return names;
}

namespace {

constexpr std::size_t kMaxFindingsPerKind = 8;

constexpr std::array<std::string_view, 18> kScriptExtensions = {
    ".sh", ".bash", ".zsh", ".ksh", ".fish", ".py",  ".js",  ".mjs", ".cjs",
    ".ts", ".rb",   ".pl",  ".ps1", ".psm1", ".php", ".lua", ".bat", ".cmd"};

// Binaries whose use means network access even when no URL is written out.
const std::set<std::string_view>& network_commands() {
  static const std::set<std::string_view> names = {
      "curl",   "wget", "nc",    "ncat",   "netcat", "socat",  "ssh",
      "scp",    "sftp", "rsync", "telnet", "ftp",    "aria2c", "http",
      "httpie", "xh",   "gh",    "aws",    "gcloud", "az",     "kubectl"};
  return names;
}

// Hosts that appear in URLs as identifiers (XML namespaces, schema ids), never contacted.
bool is_identifier_host(std::string_view host) {
  return host == "www.w3.org" || host == "schemas.xmlsoap.org" || host == "json-schema.org" ||
         host == "schemas.openxmlformats.org" || host == "purl.org" || host == "xmlns.com" ||
         host == "ns.adobe.com" || host == "www.apple.com";
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == '+';
}

bool is_env_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

bool secret_like(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  for (const std::string_view word : {"KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL",
                                      "AUTH", "COOKIE", "PRIVATE", "_PASS", "SESSION"}) {
    if (upper.find(word) != std::string::npos) {
      return true;
    }
  }
  return false;
}

bool contains_ci(const std::vector<std::string>& list, std::string_view value) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& item) {
    return item.size() == value.size() &&
           std::equal(item.begin(), item.end(), value.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) ==
                    std::tolower(static_cast<unsigned char>(b));
           });
  });
}

std::string interpreter_of(std::string_view name, std::string_view text) {
  if (text.starts_with("#!")) {
    std::string_view line = text.substr(2, text.find('\n') - 2);
    while (!line.empty() && line.front() == ' ') {
      line.remove_prefix(1);
    }
    std::string_view program = line.substr(0, line.find(' '));
    program = program.substr(program.rfind('/') + 1);
    if (program == "env") {
      std::string_view rest = line.substr(std::min(line.find(' '), line.size()));
      while (!rest.empty() && rest.front() == ' ') {
        rest.remove_prefix(1);
      }
      if (rest.starts_with("-S ")) {
        rest.remove_prefix(3);
      }
      program = rest.substr(0, rest.find(' '));
    }
    return std::string(program);
  }
  if (name.ends_with(".py")) {
    return "python3";
  }
  if (name.ends_with(".js") || name.ends_with(".mjs") || name.ends_with(".cjs")) {
    return "node";
  }
  return name.ends_with(".sh") ? "sh" : "";
}

bool is_shell(std::string_view interpreter, std::string_view name) {
  return interpreter == "sh" || interpreter == "bash" || interpreter == "zsh" ||
         interpreter == "dash" || interpreter == "ksh" || name.ends_with(".sh") ||
         name.ends_with(".bash");
}

struct Collector {
  std::string file;
  std::string_view text;
  std::vector<Finding> findings;
  std::set<std::string> seen;
  std::size_t per_kind[3] = {0, 0, 0};

  void add(int kind, const std::string& rule, const std::string& key, std::size_t offset,
           std::string message) {
    if (per_kind[kind] >= kMaxFindingsPerKind || !seen.insert(rule + "\n" + key).second) {
      return;
    }
    ++per_kind[kind];
    findings.push_back(
        Finding{rule, Severity::kHigh, file, line_at(text, offset), std::move(message)});
  }
};

// Hosts of http(s)/ws(s) URLs written in the script.
void check_urls(Collector& c, const Permissions& permissions) {
  std::size_t pos = 0;
  while ((pos = c.text.find("://", pos)) != std::string_view::npos) {
    const std::size_t start = pos + 3;
    pos = start;
    const std::string_view before = c.text.substr(0, start - 3);
    if (!before.ends_with("http") && !before.ends_with("https") && !before.ends_with("ws") &&
        !before.ends_with("wss")) {
      continue;
    }
    std::size_t end = start;
    while (end < c.text.size() && (is_name_char(c.text[end]) || c.text[end] == '@')) {
      ++end;
    }
    std::string host(c.text.substr(start, end - start));
    if (const auto at = host.rfind('@'); at != std::string::npos) {
      host = host.substr(at + 1);
    }
    std::transform(host.begin(), host.end(), host.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    while (!host.empty() && host.back() == '.') {
      host.pop_back();
    }
    // Templated hosts ("https://${HOST}/") cannot be judged here.
    if (host.empty() || host.find('.') == std::string::npos || is_identifier_host(host) ||
        (end < c.text.size() && (c.text[end] == '$' || c.text[end] == '{'))) {
      continue;
    }
    std::uint16_t port = 0;
    if (end < c.text.size() && c.text[end] == ':') {
      std::size_t digits = end + 1;
      while (digits < c.text.size() && std::isdigit(static_cast<unsigned char>(c.text[digits]))) {
        ++digits;
      }
      port = parse_integer<std::uint16_t>(c.text.substr(end + 1, digits - end - 1), 1, 65535)
                 .value_or(0);
    }
    if (!host_allowed(permissions.hosts, host, port)) {
      c.add(0, "manifest.undeclared_network", host, start,
            fmt::format("contacts {} but permissions.network.hosts does not declare it",
                        log::escaped(host, 80)));
    }
  }
}

// Command names a script runs: shell command positions, and the literal first word handed to
// subprocess/os.system/child_process/system()/backticks in other languages.
std::vector<std::pair<std::string, std::size_t>> commands_of(std::string_view text, bool shell) {
  std::vector<std::pair<std::string, std::size_t>> out;
  auto word_at = [&](std::size_t i) {
    std::size_t end = i;
    while (end < text.size() && (is_name_char(text[end]) || text[end] == '/')) {
      ++end;
    }
    std::string_view word = text.substr(i, end - i);
    word = word.substr(word.rfind('/') == std::string_view::npos ? 0 : word.rfind('/') + 1);
    return std::string(word);
  };
  if (shell) {
    return shell_commands(text);
  }
  for (const std::string_view call :
       {"subprocess.run(", "subprocess.call(", "subprocess.Popen(", "subprocess.check_output(",
        "subprocess.check_call(", "os.system(", "os.popen(", "os.execvp(", "os.execlp(",
        "shutil.which(", "execSync(", "execFileSync(", "spawnSync(", "spawn(", "execFile(", "exec(",
        "system(", "Popen(", "check_output("}) {
    std::size_t pos = 0;
    while ((pos = text.find(call, pos)) != std::string_view::npos) {
      std::size_t i = pos + call.size();
      pos = i;
      while (i < text.size() && (text[i] == ' ' || text[i] == '[' || text[i] == '(')) {
        ++i;
      }
      if (i < text.size() && (text[i] == '"' || text[i] == '\'' || text[i] == '`')) {
        const std::string word = word_at(i + 1);
        if (!word.empty()) {
          out.emplace_back(word, i + 1);
        }
      }
    }
  }
  return out;
}

void check_commands(Collector& c, std::string_view name, const Permissions& permissions) {
  const std::string interpreter = interpreter_of(name, c.text);
  const bool shell = is_shell(interpreter, name);
  std::set<std::string> functions;
  if (shell) {
    // Shell functions defined in the script are not programs.
    std::size_t pos = 0;
    while ((pos = c.text.find("()", pos)) != std::string_view::npos) {
      std::size_t start = pos;
      while (start > 0 && is_name_char(c.text[start - 1])) {
        --start;
      }
      functions.emplace(c.text.substr(start, pos - start));
      pos += 2;
    }
  }
  bool network_tool = false;
  std::size_t network_offset = 0;
  std::string network_name;
  for (const auto& [word, offset] : commands_of(c.text, shell)) {
    if (word.empty() || word == interpreter || baseline_commands().contains(word) ||
        functions.contains(word) || word.front() == '-' || word.front() == '$' ||
        std::isdigit(static_cast<unsigned char>(word.front()))) {
      continue;
    }
    if (network_commands().contains(word) && !network_tool) {
      network_tool = true;
      network_offset = offset;
      network_name = word;
    }
    if (!contains_ci(permissions.exec, word)) {
      c.add(1, "manifest.undeclared_exec", word, offset,
            fmt::format("runs '{}' but permissions.exec does not declare it",
                        log::escaped(word, 64)));
    }
  }
  // Network libraries of script languages.
  for (const std::string_view api :
       {"import requests", "urllib.request", "http.client", "import socket", "urlopen(", "fetch(",
        "axios", "require('https')", "require(\"https\")", "require('http')", "require(\"http\")",
        "Net::HTTP", "Invoke-WebRequest", "Invoke-RestMethod", "LWP::UserAgent"}) {
    if (const auto pos = c.text.find(api); pos != std::string_view::npos && !network_tool) {
      network_tool = true;
      network_offset = pos;
      network_name = std::string(api);
    }
  }
  if (network_tool && permissions.hosts.empty()) {
    c.add(0, "manifest.undeclared_network", "(any)", network_offset,
          fmt::format("uses the network ({}) but declares no permissions.network.hosts",
                      log::escaped(network_name, 40)));
  }
}

void check_secrets(Collector& c, const Permissions& permissions) {
  auto report = [&](std::string_view env_name, std::size_t offset) {
    if (secret_like(env_name) && !contains_ci(permissions.secrets, env_name)) {
      c.add(2, "manifest.undeclared_secret", std::string(env_name), offset,
            fmt::format("reads the secret-looking variable {} but permissions.secrets does not "
                        "declare it",
                        env_name));
    }
  };
  auto name_at = [&](std::size_t i) {
    std::size_t end = i;
    while (end < c.text.size() && is_env_char(c.text[end])) {
      ++end;
    }
    return c.text.substr(i, end - i);
  };
  for (std::size_t i = 0; i + 1 < c.text.size(); ++i) {
    if (c.text[i] == '$') {
      std::size_t start = i + 1;
      if (c.text[start] == '{') {
        ++start;
      } else if (c.text.substr(start, 4) == "env:") {
        start += 4;
      }
      const std::string_view env_name = name_at(start);
      if (env_name.size() >= 3 && std::isupper(static_cast<unsigned char>(env_name.front()))) {
        report(env_name, i);
      }
    }
  }
  for (const std::string_view accessor :
       {"environ[\"", "environ['", "environ.get(\"", "environ.get('", "getenv(\"", "getenv('",
        "process.env.", "process.env[\"", "process.env['", "ENV[\"", "ENV['", "ENV.fetch(\"",
        "ENV.fetch('", "Deno.env.get(\""}) {
    std::size_t pos = 0;
    while ((pos = c.text.find(accessor, pos)) != std::string_view::npos) {
      pos += accessor.size();
      const std::string_view env_name = name_at(pos);
      if (!env_name.empty()) {
        report(env_name, pos);
      }
    }
  }
}

}  // namespace

bool is_script(std::string_view name, std::string_view content) {
  if (content.starts_with("#!")) {
    return true;
  }
  return std::any_of(kScriptExtensions.begin(), kScriptExtensions.end(),
                     [&](std::string_view ext) { return name.ends_with(ext); });
}

std::vector<Finding> check_script_against_manifest(std::string_view file, std::string_view text,
                                                   const Permissions& permissions) {
  Collector c{std::string(file), text, {}, {}, {}};
  check_urls(c, permissions);
  check_commands(c, file, permissions);
  check_secrets(c, permissions);
  return std::move(c.findings);
}

}  // namespace chitin::skills
