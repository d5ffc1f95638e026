#pragma once
// Reading model ids and npm specs the way OpenClaw's audit judges them, with small
// hand-written scanners (no std::regex: STYLE.md bans it, and it recurses per character).
// Ids are expected lower-cased ("openai/gpt-4o", "ollama/gpt-oss-120b").

#include <string_view>

namespace chitin::doctor {

// The largest "<n>b" parameter count in an id ("gpt-oss-120b" -> 120, "qwen2.5-7b" -> 7;
// "1.5b" counts 1), 0 when there is none. A count starts after the id's start or a character
// other than [a-z0-9.] and ends at the id's end or a character other than [a-z0-9].
int model_parameter_billions(std::string_view id);

// gpt-3.5, claude-instant, claude-2, gpt-4-0314, gpt-4-0613 (as whole words).
bool model_is_legacy(std::string_view id);

// Haiku, GPT below 5, Claude below 4.5 (OpenClaw's "weak tier" for agents with tools).
bool model_is_weak_tier(std::string_view id);

// An npm spec pinned to an exact version: "name@1.2.3", "@scope/name@1.2.3-rc.1+build".
bool npm_spec_pinned(std::string_view spec);

}  // namespace chitin::doctor
