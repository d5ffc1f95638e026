#pragma once
// The programs a shell script runs, found by a small lexer of POSIX sh / bash syntax: command
// positions at the top level, inside $( ), backticks, <( ) and "...$( )...", skipping quoted
// text, parameter expansions, [[ ]] tests, arithmetic, case patterns, assignments and
// redirections. It is a reader for the scanner, not a shell: on odd input it may miss a
// command but never loops or reads out of bounds.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chitin::skills {

// (command name without its directory, byte offset), in order of appearance.
std::vector<std::pair<std::string, std::size_t>> shell_commands(std::string_view script);

}  // namespace chitin::skills
