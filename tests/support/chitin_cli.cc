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
// ones a user's second run takes. Copies go through a temporary name and a rename, so
// parallel tests never see half a file.
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
    if (fs::copy_file(entry.path(), temporary, fs::copy_options::overwrite_existing, error)) {
      fs::permissions(temporary, fs::perms::owner_read | fs::perms::owner_write, error);
      fs::rename(temporary, to / name, error);
    }
    fs::remove(temporary, error);
  }
}

// The cache directories `chitin` will use: the installation's, or without one the XDG cache.
std::vector<fs::path> pattern_cache_dirs(const ChitinCli& cli,
                                         const std::vector<std::string>& env) {
  std::vector<fs::path> dirs;
  std::error_code error;
  if (fs::exists(fs::path(cli.home) / "chitin.toml", error)) {
    dirs.push_back(fs::path(cli.home) / "cache");
  }
  fs::path xdg = fs::path(cli.user_home) / ".cache";
  for (const std::string& entry : env) {
    if (entry.starts_with("XDG_CACHE_HOME=")) {
      xdg = entry.substr(15);
    }
  }
  if (fs::is_directory(xdg.parent_path(), error)) {
    fs::create_directories(xdg / "chitin", error);
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
  for (const fs::path& cache : pattern_cache_dirs(*this, env)) {
    copy_missing_databases(CHITIN_TEST_PATTERN_CACHE, cache);
  }
  options.env = env;
  options.cwd = cwd;
  auto result = run_captured(options, input);
  std::error_code error;
  fs::create_directories(CHITIN_TEST_PATTERN_CACHE, error);
  for (const fs::path& cache : pattern_cache_dirs(*this, env)) {
    copy_missing_databases(cache, CHITIN_TEST_PATTERN_CACHE);
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
