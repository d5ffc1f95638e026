#include "sandbox/cgroup.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

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

bool write_text(const std::string& path, std::string_view text) {
  auto fd = sys::open_file(path, O_WRONLY);
  return fd && sys::write_all(fd->get(), text).has_value();
}

}  // namespace

RunCgroup RunCgroup::create(std::uint64_t pids_max, std::uint64_t memory_mb) {
  RunCgroup group;
  const std::string pid = std::to_string(::getpid());
  const std::string leaf_name = "chitin-sandbox-" + pid;
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
    ::rmdir(leaf.dir.c_str());
  }
}

}  // namespace chitin::sandbox
