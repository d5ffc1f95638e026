#include "agent/tool_runner.h"

#include <fmt/format.h>

namespace chitin::agent {

namespace {

ToolOutput error(std::string text) { return ToolOutput{std::move(text), true, {}}; }

std::string argument(const nlohmann::json& arguments, const char* key) {
  return arguments.at(key).get<std::string>();
}

ToolOutput exec_output(const Result<tools::ExecOutcome>& outcome, std::string_view tool) {
  if (!outcome) {
    return error(
        fmt::format("{} failed before the program ran: {}", tool, outcome.error().message));
  }
  ToolOutput output{outcome->render(), outcome->exit_code != 0, {}};
  output.audit = {{"exit", outcome->exit_code},
                  {"duration_ms", outcome->duration_ms},
                  {"stdout_bytes", outcome->out_bytes},
                  {"stderr_bytes", outcome->err_bytes},
                  {"limits", outcome->limits}};
  if (!outcome->quarantined.empty()) {
    output.audit["quarantined"] = outcome->quarantined;
  }
  return output;
}

ToolOutput run_skill_tool(const policy::Action& action, const ToolEnvironment& environment) {
  const tools::AgentSkill* skill = environment.skills == nullptr
                                       ? nullptr
                                       : tools::find_skill(*environment.skills, action.skill);
  if (skill == nullptr) {
    return error(
        fmt::format("no skill named '{}' is installed and verified", action.skill.substr(0, 64)));
  }
  if (action.tool == "skill_read") {
    auto text = tools::read_skill_file(*skill, action.path);
    if (!text) {
      return error(text.error().message);
    }
    ToolOutput output{std::move(*text), false, {}};
    output.audit = {{"skill", skill->name}, {"path", action.path.substr(0, 256)}};
    return output;
  }
  tools::SkillRunSetup setup;
  setup.exec = environment.exec;
  setup.store = environment.store;
  setup.keys_dir = environment.keys_dir;
  ToolOutput output = exec_output(tools::run_skill(*skill, action.argv, setup), action.tool);
  output.audit["skill"] = skill->name;
  output.audit["skill_manifest"] = skill->manifest;
  return output;
}

ToolOutput run_list(const policy::Action& action, const tools::Workspace& workspace) {
  auto listed = workspace.list(action.path);
  if (!listed) {
    return error(listed.error().message);
  }
  std::string text;
  for (const tools::ListEntry& entry : listed->entries) {
    text += entry.kind == 'd'   ? fmt::format("{}/\n", entry.name)
            : entry.kind == 'l' ? fmt::format("{} (symlink, not followed)\n", entry.name)
                                : fmt::format("{} ({} bytes)\n", entry.name, entry.size);
  }
  if (listed->truncated) {
    text += "[listing cut]\n";
  }
  return ToolOutput{text.empty() ? std::string("(empty directory)\n") : text,
                    false,
                    {{"entries", listed->entries.size()}}};
}

ToolOutput run_memory_search(const nlohmann::json& arguments, const ToolEnvironment& environment) {
  auto notes = environment.memory->search(environment.agent, argument(arguments, "query"), 8);
  if (!notes) {
    return error(notes.error().message);
  }
  std::string text;
  for (const store::MemoryNote& note : *notes) {
    text += fmt::format("- [{}] {}\n", note.id, note.text);
  }
  return ToolOutput{
      text.empty() ? std::string("no matching notes\n") : text, false, {{"found", notes->size()}}};
}

ToolOutput run_web_fetch(const policy::Action& action, const ToolEnvironment& environment,
                         bool approved) {
  tools::FetchSetup setup = environment.fetch;
  if (approved) {
    const bool v6 = action.host.find(':') != std::string::npos;
    auto rule = egress::parse_rule(
        fmt::format("{}{}{}:{}", v6 ? "[" : "", action.host, v6 ? "]" : "", action.port));
    if (rule) {
      setup.rules.push_back(std::move(*rule));
    }
  }
  auto fetched = tools::web_fetch(action.url, setup);
  if (!fetched) {
    return error(fetched.error().message);
  }
  ToolOutput output;
  output.text = fmt::format(
      "HTTP {} from {} ({})\n\n{}", fetched->status, fetched->url,
      fetched->content_type.empty() ? "no content type" : fetched->content_type, fetched->text);
  if (fetched->truncated) {
    output.text += "\n[page cut at the size limit]\n";
  }
  output.is_error = fetched->status >= 400;
  output.audit = {
      {"status", fetched->status}, {"bytes", fetched->text.size()}, {"host", action.host}};
  return output;
}

}  // namespace

ToolOutput run_tool(const policy::Action& action, const nlohmann::json& arguments,
                    const ToolEnvironment& environment, bool approved) {
  const tools::Workspace& workspace = *environment.workspace;
  ToolOutput output;
  if (action.tool == "exec") {
    output = exec_output(tools::run_exec(action.argv, environment.exec), action.tool);
  } else if (action.tool == "skill_read" || action.tool == "skill_exec") {
    output = run_skill_tool(action, environment);
  } else if (action.tool == "read") {
    auto read = workspace.read(action.path);
    if (!read) {
      return error(read.error().message);
    }
    output.text = read->content;
    if (read->truncated) {
      output.text +=
          fmt::format("\n[file cut: {} of {} bytes shown]\n", read->content.size(), read->size);
    }
    output.audit = {{"bytes", read->size}};
  } else if (action.tool == "write") {
    auto written = workspace.write(action.path, argument(arguments, "content"));
    if (!written) {
      return error(written.error().message);
    }
    output.text = fmt::format("wrote {} bytes to {}", *written, action.path);
    output.audit = {{"bytes", *written}};
  } else if (action.tool == "edit") {
    auto edited =
        workspace.edit(action.path, argument(arguments, "old"), argument(arguments, "new"));
    if (!edited) {
      return error(edited.error().message);
    }
    output.text = fmt::format("edited {}", action.path);
  } else if (action.tool == "list") {
    output = run_list(action, workspace);
  } else if (action.tool == "web_fetch") {
    output = run_web_fetch(action, environment, approved);
  } else if (action.tool == "memory_search") {
    output = run_memory_search(arguments, environment);
  } else if (action.tool == "memory_write") {
    auto id = environment.memory->write(environment.agent, argument(arguments, "text"));
    if (!id) {
      return error(id.error().message);
    }
    output.text = fmt::format("saved as note {}", *id);
  } else {
    return error(fmt::format("the tool '{}' is not available in this build", action.tool));
  }
  if (output.text.size() > kMaxToolOutputBytes) {
    const std::size_t total = output.text.size();
    output.text.resize(kMaxToolOutputBytes);
    // Never cut inside a UTF-8 sequence.
    while (!output.text.empty() &&
           (static_cast<unsigned char>(output.text.back()) & 0xC0U) == 0x80U) {
      output.text.pop_back();
    }
    if (!output.text.empty() && static_cast<unsigned char>(output.text.back()) >= 0xC0U) {
      output.text.pop_back();
    }
    output.text += fmt::format("\n[output cut: {} of {} bytes shown]\n", output.text.size(), total);
  }
  return output;
}

}  // namespace chitin::agent
