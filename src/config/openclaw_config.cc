#include "config/openclaw_config.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <filesystem>

#include "base/unique_fd.h"
#include "config/json5.h"
#include "sys/file_ops.h"

namespace chitin::config {

namespace {

constexpr std::string_view kIncludeKey = "$include";

// Bytes read across the config and all its includes: the same file included many times
// (arrays concatenate) must not grow the merged settings without bound.
constexpr std::size_t kMaxTotalBytes = 16U << 20;

struct Loader {
  std::vector<std::string> roots;  // canonical, with a trailing '/'
  std::vector<std::string> includes;
  std::vector<std::string> skipped;
  std::size_t bytes = 0;
};

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

// The real path when the file exists (so that two spellings of one file are one file in a
// cycle check), the lexically normal path otherwise ("a/../../b" must not pass for "a/...").
std::string canonical(const std::string& path) {
  char buffer[PATH_MAX];
  return ::realpath(path.c_str(), buffer) != nullptr
             ? std::string(buffer)
             : std::filesystem::path(path).lexically_normal().string();
}

// A config file or include: symlinks are followed (OpenClaw follows them; the doctor reports
// them), but only a regular file is read, and a FIFO cannot block the open.
Result<std::string> read_config_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return errno_fail(fmt::format("cannot open {}", path));
  }
  const UniqueFd file(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return errno_fail(fmt::format("cannot stat {}", path));
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(ErrorCode::kInvalidInput, "{} is not a regular file", path);
  }
  return sys::read_all(fd, kMaxJson5Bytes, path);
}

bool is_directory(const std::string& path) {
  auto status = sys::status_if_exists(path);
  return status && *status && (*status)->is_directory;
}

std::string chain_text(const std::vector<std::string>& chain) {
  std::string out;
  for (const std::string& file : chain) {
    out += out.empty() ? file : " -> " + file;
  }
  return out;
}

Result<nlohmann::json> resolve(const nlohmann::json& node, std::vector<std::string>& chain,
                               Loader& loader);

Result<nlohmann::json> load_file(const std::string& path, std::vector<std::string>& chain,
                                 Loader& loader) {
  const std::string real = canonical(path);
  if (std::find(chain.begin(), chain.end(), real) != chain.end()) {
    return fail(ErrorCode::kInvalidInput, fmt::format("{}: circular $include ({} -> {})",
                                                      chain.back(), chain_text(chain), real));
  }
  if (chain.size() > kMaxOpenClawIncludeDepth) {
    return fail(ErrorCode::kLimitExceeded,
                fmt::format("{}: $include nested deeper than {} levels ({})", chain.back(),
                            kMaxOpenClawIncludeDepth, chain_text(chain)));
  }
  if (!chain.empty()) {
    if (loader.includes.size() >= kMaxOpenClawIncludeFiles) {
      return fail(ErrorCode::kLimitExceeded,
                  fmt::format("{}: more than {} included files; OpenClaw configs are not that "
                              "large, so this looks like a mistake",
                              chain.back(), kMaxOpenClawIncludeFiles));
    }
    loader.includes.push_back(path);
  }
  auto text = read_config_file(path);
  if (!text) {
    if (chain.empty()) {
      return fail(text.error());
    }
    return fail(ErrorCode::kInvalidInput, "{}: $include of {} failed: {}", chain.back(), path,
                text.error().describe());
  }
  loader.bytes += text->size();
  if (loader.bytes > kMaxTotalBytes) {
    return fail(ErrorCode::kLimitExceeded,
                "{}: the config and its includes add up to more than {} MiB", path,
                kMaxTotalBytes >> 20);
  }
  auto parsed = CHITIN_TRY(parse_json5(*text, path));
  chain.push_back(real);
  auto resolved = resolve(parsed, chain, loader);
  chain.pop_back();
  return resolved;
}

Result<nlohmann::json> resolve_object(const nlohmann::json& node, std::vector<std::string>& chain,
                                      Loader& loader) {
  nlohmann::json merged = nlohmann::json::object();
  bool included_non_object = false;
  if (const auto include = node.find(kIncludeKey); include != node.end()) {
    std::vector<std::string> paths;
    if (include->is_string()) {
      paths.push_back(include->get<std::string>());
    } else if (include->is_array() &&
               std::all_of(include->begin(), include->end(),
                           [](const nlohmann::json& item) { return item.is_string(); })) {
      for (const auto& item : *include) {
        paths.push_back(item.get<std::string>());
      }
    } else {
      return fail(ErrorCode::kInvalidInput,
                  fmt::format("{}: $include must be a path or a list of paths", chain.back()));
    }
    for (const std::string& relative : paths) {
      if (relative.empty()) {
        return fail(ErrorCode::kInvalidInput,
                    fmt::format("{}: $include names an empty path", chain.back()));
      }
      const std::string path =
          relative.front() == '/' ? relative : directory_of(chain.back()) + "/" + relative;
      const std::string real = canonical(path) + (is_directory(path) ? "/" : "");
      if (std::none_of(loader.roots.begin(), loader.roots.end(),
                       [&](const std::string& root) { return real.starts_with(root); })) {
        loader.skipped.push_back(path);
        continue;
      }
      auto included = CHITIN_TRY(load_file(path, chain, loader));
      if (!included.is_object()) {
        if (paths.size() == 1 && node.size() == 1) {
          merged = std::move(included);
          included_non_object = true;
          continue;
        }
        return fail(ErrorCode::kInvalidInput,
                    fmt::format("{}: $include of {} is not an object, so it cannot be merged",
                                chain.back(), path));
      }
      merge_openclaw(merged, included);
    }
  }
  if (included_non_object) {
    return merged;
  }
  nlohmann::json own = nlohmann::json::object();
  for (const auto& [key, value] : node.items()) {
    if (key != kIncludeKey) {
      own[key] = CHITIN_TRY(resolve(value, chain, loader));
    }
  }
  merge_openclaw(merged, own);
  return merged;
}

Result<nlohmann::json> resolve(const nlohmann::json& node, std::vector<std::string>& chain,
                               Loader& loader) {
  if (node.is_object()) {
    return resolve_object(node, chain, loader);
  }
  if (node.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : node) {
      out.push_back(CHITIN_TRY(resolve(item, chain, loader)));
    }
    return out;
  }
  return node;
}

}  // namespace

void merge_openclaw(nlohmann::json& target, const nlohmann::json& source) {
  if (target.is_object() && source.is_object()) {
    for (const auto& [key, value] : source.items()) {
      auto existing = target.find(key);
      if (existing == target.end()) {
        target[key] = value;
      } else {
        merge_openclaw(*existing, value);
      }
    }
  } else if (target.is_array() && source.is_array()) {
    for (const auto& item : source) {
      target.push_back(item);
    }
  } else {
    target = source;
  }
}

Result<OpenClawConfig> read_openclaw_config(const std::string& path,
                                            const std::vector<std::string>& extra_roots) {
  Loader loader;
  loader.roots.push_back(canonical(directory_of(path)) + "/");
  for (const std::string& root : extra_roots) {
    loader.roots.push_back(canonical(root) + "/");
  }
  std::vector<std::string> chain;
  auto settings = CHITIN_TRY(load_file(path, chain, loader));
  if (!settings.is_object()) {
    return fail(ErrorCode::kInvalidInput,
                fmt::format("{}: the configuration must be an object ({{ ... }})", path));
  }
  return OpenClawConfig{path, std::move(settings), std::move(loader.includes),
                        std::move(loader.skipped)};
}

}  // namespace chitin::config
