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

// Limit files are opened when the leaf is made: a warm helper's supervisor writes them after
// it entered its own user namespace, where the paths might no longer be writable.
UniqueFd open_limit(const std::string& path) {
  auto fd = sys::open_file(path, O_WRONLY);
  return fd ? std::move(*fd) : UniqueFd();
}

UniqueFd open_dir(const std::string& path) {
  auto fd = sys::open_file(path, O_PATH | O_DIRECTORY);
  return fd ? std::move(*fd) : UniqueFd();
}

bool write_text(const std::string& path, std::string_view text) {
  auto fd = sys::open_file(path, O_WRONLY);
  return fd && sys::write_all(fd->get(), text).has_value();
}

}  // namespace

RunCgroup RunCgroup::create() {
  RunCgroup group = create_for(::getpid());
  group.joined_ = true;
  return group;
}

RunCgroup RunCgroup::create_for(pid_t member) {
  RunCgroup group;
  const std::string pid = std::to_string(member);
  // A random part too: a leaf left by an earlier process with the same pid must not be
  // mistaken for ours (that silently dropped the limits before).
  const std::string leaf_name =
      "chitin-sandbox-" + std::to_string(::getpid()) + "-" + crypto::random_token("", 6);
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
      sweep_stale_leaves(parent);
      if (::mkdir(dir.c_str(), 0700) != 0) {
        continue;
      }
      if (write_text(dir + "/cgroup.procs", pid)) {
        group.leaves_.push_back({dir, parent, "", open_limit(dir + "/pids.max"),
                                 open_limit(dir + "/memory.max"), open_dir(parent), leaf_name});
        return group;
      }
      ::rmdir(dir.c_str());
    }
  }
  // cgroup v1: one hierarchy per controller.
  for (const char* controller : {"pids", "memory"}) {
    auto path = own_path(controller);
    if (!path) {
      continue;
    }
    const std::string parent = fmt::format("/sys/fs/cgroup/{}{}", controller, *path);
    const std::string dir = parent + (parent.ends_with('/') ? "" : "/") + leaf_name;
    sweep_stale_leaves(parent);
    if (::mkdir(dir.c_str(), 0700) == 0) {
      if (write_text(dir + "/cgroup.procs", pid)) {
        const bool pids = std::string_view(controller) == "pids";
        group.leaves_.push_back({dir, parent, controller,
                                 open_limit(dir + (pids ? "/pids.max" : "/memory.limit_in_bytes")),
                                 UniqueFd(), open_dir(parent), leaf_name});
        continue;
      }
      ::rmdir(dir.c_str());
    }
  }
  return group;
}

void RunCgroup::limit(std::uint64_t pids_max, std::uint64_t memory_mb) {
  const std::string pids = std::to_string(pids_max);
  const std::string memory = std::to_string(memory_mb << 20);
  bool pids_set = false;
  bool memory_set = false;
  std::string_view version = "cgroup v1";
  const auto write_limit = [](const UniqueFd& fd, std::string_view value) {
    return fd && sys::write_all(fd.get(), value).has_value();
  };
  for (const Leaf& leaf : leaves_) {
    if (leaf.controller.empty()) {
      version = "cgroup v2";
      pids_set = write_limit(leaf.limit, pids);
      memory_set = write_limit(leaf.second_limit, memory);
    } else if (leaf.controller == "pids") {
      pids_set = write_limit(leaf.limit, pids);
    } else if (leaf.controller == "memory") {
      memory_set = write_limit(leaf.limit, memory);
    }
  }
  pids_limited_ = pids_set;
  const auto note = [&](std::string_view controller, bool set) {
    return set ? fmt::format("{}: {}", controller, version)
               : fmt::format("{}: rlimit only (no writable cgroup)", controller);
  };
  enforcement_ = note("pids", pids_set) + ", " + note("memory", memory_set);
}

RunCgroup RunCgroup::create(std::uint64_t pids_max, std::uint64_t memory_mb) {
  RunCgroup group = create();
  group.limit(pids_max, memory_mb);
  return group;
}

RunCgroup::RunCgroup(RunCgroup&& other) noexcept
    : leaves_(std::move(other.leaves_)),
      enforcement_(std::move(other.enforcement_)),
      pids_limited_(other.pids_limited_),
      joined_(other.joined_) {
  other.leaves_.clear();
}

RunCgroup::~RunCgroup() {
  const std::string pid = std::to_string(::getpid());
  for (const Leaf& leaf : leaves_) {
    if (!leaf.parent_dir) {
      continue;  // the next run's sweep removes it
    }
    // Through the parent's fd: by now our root may be the sandbox's (see Leaf::parent_dir).
    const int procs =
        joined_ ? ::openat(leaf.parent_dir.get(), "cgroup.procs", O_WRONLY | O_CLOEXEC) : -1;
    if (procs >= 0) {
      (void)sys::write_all(procs, pid);
      ::close(procs);
    }
    // The last tasks may still be leaving (EBUSY); retry briefly, else the next run sweeps it.
    for (int attempt = 0;
         attempt < 20 && ::unlinkat(leaf.parent_dir.get(), leaf.name.c_str(), AT_REMOVEDIR) != 0 &&
         errno == EBUSY;
         ++attempt) {
      ::usleep(1000);
    }
  }
}

}  // namespace chitin::sandbox
