#include "support/chitin_cli.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace chitin::testing {

CapturedRun ChitinCli::run(const std::vector<std::string>& args,
                           const std::vector<std::string>& more_env,
                           const std::string& input) const {
  SpawnOptions options;
  options.argv = {binary};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  std::vector<std::string> env = {"CHITIN_HOME=" + home, "HOME=" + user_home, "PATH=/usr/bin:/bin"};
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  env.insert(env.end(), more_env.begin(), more_env.end());
  options.env = std::move(env);
  options.cwd = cwd;
  auto result = run_captured(options, input);
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
