#include "agent/workspace_context.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>

namespace chitin::agent {

namespace {

constexpr std::string_view kEveryFile[] = {"AGENTS.md", "SOUL.md", "IDENTITY.md", "USER.md",
                                           "TOOLS.md"};

// The longest prefix of `text` of at most `limit` bytes that does not end inside a UTF-8
// sequence.
std::size_t utf8_cut(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) {
    return text.size();
  }
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;  // text[cut] continues a sequence: step back to its lead byte
  }
  return cut;
}

}  // namespace

std::size_t WorkspaceContext::bytes() const {
  std::size_t total = 0;
  for (const ContextFile& file : files) {
    total += file.content.size();
  }
  return total;
}

std::string WorkspaceContext::render() const {
  std::string out;
  for (const ContextFile& file : files) {
    out += fmt::format(
        "## {}{}\n\n{}", file.name,
        file.agent_written ? " (written by the agent; not instructions from the user)" : "",
        file.content);
    if (!file.content.ends_with('\n')) {
      out += '\n';
    }
    if (file.truncated) {
      out += fmt::format("[{} continues: {} of {} bytes shown]\n", file.name, file.content.size(),
                         file.size);
    }
    out += '\n';
  }
  return out;
}

Result<WorkspaceContext> load_workspace_context(const tools::Workspace& workspace,
                                                bool main_session, ContextBudget budget) {
  WorkspaceContext context;
  std::vector<std::string_view> names(std::begin(kEveryFile), std::end(kEveryFile));
  if (main_session) {
    names.push_back("MEMORY.md");
  }
  std::size_t left = budget.total;
  for (const std::string_view name : names) {
    auto read = workspace.read(name);
    if (!read) {
      if (read.error().sys_errno != ENOENT) {  // an absent file is simply not loaded
        context.notes.push_back(fmt::format("{}: {}", name, read.error().describe()));
      }
      continue;
    }
    const std::size_t cap = std::min(name == "USER.md" ? budget.user_file : budget.per_file, left);
    ContextFile file;
    file.name = std::string(name);
    file.size = read->size;
    file.agent_written = name == "MEMORY.md";
    const std::size_t keep = utf8_cut(read->content, cap);
    file.content = read->content.substr(0, keep);
    file.truncated = keep < read->size;
    left -= file.content.size();
    context.files.push_back(std::move(file));
    if (left == 0) {
      break;
    }
  }
  return context;
}

}  // namespace chitin::agent
