#include "support/chitin_cli.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace chitin::testing {

namespace {

namespace fs = std::filesystem;

// Compiling the privacy catalog's patterns takes seconds (tens of seconds under ASan), and
// every test's installation starts with an empty cache. The build directory keeps one shared
// cache (also used by the in-process privacy tests): each run is seeded from it, and what a
// run compiled is given back. Only the compiled-pattern files move; the code paths are the
// ones a user's second run takes (a test that wants the first run sets share_pattern_cache
// false). Files are hard-linked (copied across file systems) under a temporary name and
// renamed, so parallel tests never see half a file; chitin replaces cache files by rename,
// never in place, so a link cannot be changed under another test.
void copy_missing_databases(const fs::path& from, const fs::path& to) {
  std::error_code error;
  if (!fs::is_directory(from, error) || !fs::is_directory(to, error)) {
    return;
  }
  for (const auto& entry : fs::directory_iterator(from, error)) {
    const fs::path name = entry.path().filename();
    if (entry.path().extension() != ".hsdb" || fs::exists(to / name, error)) {
      continue;
    }
    const fs::path temporary = to / (name.string() + ".tmp" + std::to_string(::getpid()));
    fs::remove(temporary, error);
    fs::create_hard_link(entry.path(), temporary, error);
    if (error) {
      error.clear();
      fs::copy_file(entry.path(), temporary, fs::copy_options::overwrite_existing, error);
    }
    if (!error) {
      fs::rename(temporary, to / name, error);
    }
    fs::remove(temporary, error);
  }
}

// Creates `dir` 0700 if missing, as chitin's own cache code does.
void make_private_directory(const fs::path& dir) {
  std::error_code error;
  if (fs::create_directory(dir, error)) {
    fs::permissions(dir, fs::perms::owner_all, error);
  }
}

// The cache directories `chitin` will use (cli/command.cc detector_cache_dir): the
// installation's, or without one $XDG_CACHE_HOME/chitin (absolute values only), or
// $HOME/.cache/chitin.
std::vector<fs::path> pattern_cache_dirs(const ChitinCli& cli,
                                         const std::vector<std::string>& env) {
  std::vector<fs::path> dirs;
  std::error_code error;
  if (fs::exists(fs::path(cli.home) / "chitin.toml", error)) {
    dirs.push_back(fs::path(cli.home) / "cache");
  }
  fs::path xdg = fs::path(cli.user_home) / ".cache";
  for (const std::string& entry : env) {
    if (entry.starts_with("XDG_CACHE_HOME=/")) {
      xdg = entry.substr(15);
    }
  }
  if (fs::is_directory(xdg.parent_path(), error)) {
    make_private_directory(xdg);
    make_private_directory(xdg / "chitin");
    dirs.push_back(xdg / "chitin");
  }
  return dirs;
}

}  // namespace

CapturedRun ChitinCli::run(const std::vector<std::string>& args,
                           const std::vector<std::string>& more_env,
                           const std::string& input) const {
  SpawnOptions options;
  options.argv = {binary};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  std::vector<std::string> env = {"CHITIN_HOME=" + home, "HOME=" + user_home, "PATH=/usr/bin:/bin"};
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  env.insert(env.end(), more_env.begin(), more_env.end());
  if (share_pattern_cache) {
    for (const fs::path& cache : pattern_cache_dirs(*this, env)) {
      copy_missing_databases(CHITIN_TEST_PATTERN_CACHE, cache);
    }
  }
  options.env = env;
  options.cwd = cwd;
  auto result = run_captured(options, input);
  if (share_pattern_cache) {
    make_private_directory(CHITIN_TEST_PATTERN_CACHE);
    for (const fs::path& cache : pattern_cache_dirs(*this, env)) {
      copy_missing_databases(cache, CHITIN_TEST_PATTERN_CACHE);
    }
  }
  EXPECT_TRUE(result.has_value()) << result.error().describe();
  return result ? *result : CapturedRun{};
}

std::string read_until(int fd, std::string_view marker) {
  std::string out;
  char buffer[4096];
  while (out.find(marker) == std::string::npos) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n <= 0) {
      break;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace chitin::testing
