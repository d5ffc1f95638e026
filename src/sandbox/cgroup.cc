#include "sandbox/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/parse.h"
#include "sys/file_ops.h"

namespace chitin::sandbox {

namespace {

// This process's path in the hierarchy of `controller` ("" for cgroup v2), from
// /proc/self/cgroup lines "ID:CONTROLLERS:PATH".
std::optional<std::string> own_path(std::string_view controller) {
  auto text = sys::read_file("/proc/self/cgroup", 64 * 1024);
  if (!text) {
    return std::nullopt;
  }
  std::size_t start = 0;
  while (start < text->size()) {
    const std::size_t newline = std::min(text->find('\n', start), text->size());
    const std::string_view line = std::string_view(*text).substr(start, newline - start);
    const auto first = line.find(':');
    const auto second = line.find(':', first + 1);
    if (first != std::string_view::npos && second != std::string_view::npos) {
      const std::string_view controllers = line.substr(first + 1, second - first - 1);
      std::size_t at = 0;
      while (at <= controllers.size()) {
        const std::size_t comma = std::min(controllers.find(',', at), controllers.size());
        if (controllers.substr(at, comma - at) == controller) {
          return std::string(line.substr(second + 1));
        }
        at = comma + 1;
      }
    }
    start = newline + 1;
  }
  return std::nullopt;
}

// Removes leaves that earlier runs could not remove at once (cgroup v1 keeps a leaf busy for a
// moment after its last task exited). rmdir only succeeds on an empty cgroup, so a running
// sandbox's leaf is never touched.
void sweep_stale_leaves(const std::string& parent) {
  DIR* dir = ::opendir(parent.c_str());
  if (dir == nullptr) {
    return;
  }
  constexpr std::string_view kPrefix = "chitin-sandbox-";
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name(entry->d_name);
    if (!name.starts_with(kPrefix)) {
      continue;
    }
    // Only leaves of helpers that are gone: a live one may have created its leaf and not yet
    // moved itself in (an empty leaf that is about to be used).
    const std::string_view rest = name.substr(kPrefix.size());
    auto owner = parse_integer<pid_t>(rest.substr(0, rest.find('-')), 1);
    if (owner && (::kill(*owner, 0) == 0 || errno != ESRCH)) {
      continue;
    }
    ::rmdir((parent + "/" + std::string(name)).c_str());
  }
  ::closedir(dir);
}

bool write_text(const std::string& path, std::string_view text) {
  auto fd = sys::open_file(path, O_WRONLY);
  return fd && sys::write_all(fd->get(), text).has_value();
}

}  // namespace

RunCgroup RunCgroup::create(std::uint64_t pids_max, std::uint64_t memory_mb) {
  RunCgroup group;
  const std::string pid = std::to_string(::getpid());
  // A random part too: a leaf left by an earlier process with the same pid must not be
  // mistaken for ours (that silently dropped the limits before).
  const std::string leaf_name = "chitin-sandbox-" + pid + "-" + crypto::random_token("", 6);
  std::vector<std::string> notes;
  // cgroup v2: a delegated subtree where we may create a child with memory and pids.
  if (auto path = own_path(""); path) {
    for (const char* mount : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
      const std::string parent = mount + *path;
      auto controllers = sys::read_file(parent + "/cgroup.subtree_control", 4096);
      if (!controllers || controllers->find("pids") == std::string::npos ||
          controllers->find("memory") == std::string::npos) {
        continue;
      }
      const std::string dir = parent + "/" + leaf_name;
      if (::mkdir(dir.c_str(), 0700) != 0) {
        continue;
      }
      if (write_text(dir + "/pids.max", std::to_string(pids_max)) &&
          write_text(dir + "/memory.max", std::to_string(memory_mb << 20)) &&
          write_text(dir + "/cgroup.procs", pid)) {
        group.leaves_.push_back({dir, parent});
        group.pids_limited_ = true;
        group.enforcement_ = "pids: cgroup v2, memory: cgroup v2";
        return group;
      }
      ::rmdir(dir.c_str());
    }
  }
  // cgroup v1: one hierarchy per controller.
  const std::pair<const char*, std::string> limits[] = {
      {"pids", fmt::format("pids.max:{}", pids_max)},
      {"memory", fmt::format("memory.limit_in_bytes:{}", memory_mb << 20)}};
  for (const auto& [controller, setting] : limits) {
    auto path = own_path(controller);
    const std::string parent = fmt::format("/sys/fs/cgroup/{}{}", controller, path.value_or(""));
    const std::string dir = parent + (parent.ends_with('/') ? "" : "/") + leaf_name;
    const auto colon = setting.find(':');
    if (path) {
      sweep_stale_leaves(parent);
    }
    if (path && ::mkdir(dir.c_str(), 0700) == 0) {
      if (write_text(dir + "/" + setting.substr(0, colon), setting.substr(colon + 1)) &&
          write_text(dir + "/cgroup.procs", pid)) {
        group.leaves_.push_back({dir, parent});
        notes.push_back(fmt::format("{}: cgroup v1", controller));
        if (std::string_view(controller) == "pids") {
          group.pids_limited_ = true;
        }
        continue;
      }
      ::rmdir(dir.c_str());
    }
    notes.push_back(fmt::format("{}: rlimit only (no writable cgroup)", controller));
  }
  group.enforcement_ = fmt::format("{}", fmt::join(notes, ", "));
  return group;
}

RunCgroup::RunCgroup(RunCgroup&& other) noexcept
    : leaves_(std::move(other.leaves_)),
      enforcement_(std::move(other.enforcement_)),
      pids_limited_(other.pids_limited_) {
  other.leaves_.clear();
}

RunCgroup::~RunCgroup() {
  const std::string pid = std::to_string(::getpid());
  for (const Leaf& leaf : leaves_) {
    write_text(leaf.parent + "/cgroup.procs", pid);
    // The last tasks may still be leaving (EBUSY); retry briefly, else the next run sweeps it.
    for (int attempt = 0; attempt < 20 && ::rmdir(leaf.dir.c_str()) != 0 && errno == EBUSY;
         ++attempt) {
      ::usleep(1000);
    }
  }
}

}  // namespace chitin::sandbox
