#pragma once
// Runs the `chitin` binary for end-to-end tests with a private state directory and nothing of
// the test's own environment but what is given.

#include <string>
#include <string_view>
#include <vector>

#include "base/child_process.h"

namespace chitin::testing {

struct ChitinCli {
  std::string binary;     // CHITIN_BINARY
  std::string home;       // CHITIN_HOME
  std::string user_home;  // HOME
  std::string cwd = {};   // working directory; empty: the test's
  std::vector<std::string> extra_env = {};
  // Seed the run's compiled-pattern cache from the build's shared one and give back what it
  // compiled (support/chitin_cli.cc). Off: chitin compiles and caches by itself.
  bool share_pattern_cache = true;

  // Runs `chitin ARGS...`; fails the test (and returns an empty run) if it cannot start.
  // `input` goes to its stdin (a pipe, closed after it).
  CapturedRun run(const std::vector<std::string>& args,
                  const std::vector<std::string>& more_env = {},
                  const std::string& input = {}) const;
};

// Reads `fd` until `marker` has appeared (or end of file); returns all that was read.
std::string read_until(int fd, std::string_view marker);

}  // namespace chitin::testing
