#include "sandbox/contain.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>

#include "sandbox/seccomp_filter.h"
#include "sys/file_ops.h"
#include "sys/landlock.h"

extern char** environ;  // NOLINT: POSIX

namespace chitin::sandbox {

namespace {

// The staging mount point of the new root. Sources are bound from O_PATH fds, so hiding the
// host's /tmp under this tmpfs hides nothing we still need.
constexpr const char* kNewRoot = "/tmp";

// System directories bound read-only when they exist (merged-usr symlinks are recreated).
constexpr const char* kSystemDirs[] = {"/usr",   "/bin",   "/sbin",  "/lib",
                                       "/lib32", "/lib64", "/libx32"};
// The minimal /etc: what dynamic linking, TLS clients and Debian's alternatives need.
constexpr const char* kEtcEntries[] = {
    "/etc/alternatives", "/etc/ld.so.cache",     "/etc/ld.so.conf", "/etc/ld.so.conf.d",
    "/etc/ssl",          "/etc/ca-certificates", "/etc/localtime",  "/etc/mime.types",
    "/etc/protocols",    "/etc/services"};
constexpr const char* kDevices[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random",
                                    "/dev/urandom"};

tl::unexpected<Error> step_failed(std::string_view step, const Error& error) {
  return fail(Error{error.code, error.sys_errno, fmt::format("{}: {}", step, error.message)});
}

std::string fd_path(int fd) { return fmt::format("/proc/self/fd/{}", fd); }

int mount_setattr(int dirfd, const char* path, unsigned flags, std::uint64_t set) {
  mount_attr attr{};
  attr.attr_set = set;
  return static_cast<int>(::syscall(SYS_mount_setattr, dirfd, path, flags, &attr, sizeof(attr)));
}

Result<void> write_file(const std::string& path, std::string_view data) {
  UniqueFd fd = CHITIN_TRY(sys::open_file(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644));
  return sys::write_all(fd.get(), data);
}

// mkdir -p. The whole path first: its parents usually exist already (each system call on the
// set-up's path costs, see bench/sandbox_spawn).
Result<void> make_dirs(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) {
    return {};
  }
  if (errno != ENOENT) {
    return errno_fail(fmt::format("mkdir {}", path));
  }
  const auto slash = path.rfind('/');
  if (slash == 0 || slash == std::string::npos) {
    return errno_fail(fmt::format("mkdir {}", path));
  }
  CHITIN_RETURN_IF_ERROR(make_dirs(path.substr(0, slash), mode));
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    return errno_fail(fmt::format("mkdir {}", path));
  }
  return {};
}

// Binds `source` (an O_PATH fd) at `target` under the new root, then sets its attributes.
Result<void> bind(const Prepared::Source& source) {
  const std::string target = std::string(kNewRoot) + source.target;
  if (source.directory) {
    CHITIN_RETURN_IF_ERROR(make_dirs(target, 0755));
  } else {
    UniqueFd placeholder(::open(target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!placeholder && errno == ENOENT) {
      CHITIN_RETURN_IF_ERROR(make_dirs(target.substr(0, target.rfind('/')), 0755));
      placeholder.reset(::open(target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
    }
    if (!placeholder) {
      return errno_fail(fmt::format("create mount point {}", source.target));
    }
  }
  if (::mount(fd_path(source.fd.get()).c_str(), target.c_str(), nullptr, MS_BIND | MS_REC,
              nullptr) != 0) {
    return errno_fail(fmt::format("bind {}", source.target));
  }
  std::uint64_t attributes = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  if (!source.writable) {
    attributes |= MOUNT_ATTR_RDONLY;
  }
  if (source.target.starts_with("/dev/")) {
    attributes &= ~std::uint64_t{MOUNT_ATTR_NODEV};  // device nodes must stay usable
  }
  if (mount_setattr(AT_FDCWD, target.c_str(), AT_RECURSIVE, attributes) != 0) {
    return errno_fail(fmt::format("set attributes of {}", source.target));
  }
  return {};
}

Result<void> mount_tmpfs(const std::string& target, std::string_view options, unsigned long flags) {
  CHITIN_RETURN_IF_ERROR(make_dirs(target, 0755));
  if (::mount("tmpfs", target.c_str(), "tmpfs", flags, std::string(options).c_str()) != 0) {
    return errno_fail(fmt::format("mount tmpfs on {}", target));
  }
  return {};
}

// --- the steps, in order -------------------------------------------------------------------

Result<void> make_mounts_private() {
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return errno_fail("make / private");
  }
  return {};
}

Result<void> mount_new_root() {
  if (::mount("tmpfs", kNewRoot, "tmpfs", MS_NOSUID | MS_NODEV, "size=8m,mode=0755") != 0) {
    return errno_fail("mount the tmpfs root");
  }
  return {};
}

Result<void> bind_sources(const Prepared& prepared) {
  for (const auto& link : prepared.symlinks) {
    const auto nul = link.find('\0');
    const std::string path = std::string(kNewRoot) + link.substr(nul + 1);
    CHITIN_RETURN_IF_ERROR(make_dirs(path.substr(0, path.rfind('/')), 0755));
    if (::symlink(link.substr(0, nul).c_str(), path.c_str()) != 0) {
      return errno_fail(fmt::format("symlink {}", link.substr(nul + 1)));
    }
  }
  for (const auto& source : prepared.binds) {
    CHITIN_RETURN_IF_ERROR(bind(source));
  }
  return {};
}

Result<void> bind_extra(const Prepared& prepared) {
  for (const auto& source : prepared.extra) {
    CHITIN_RETURN_IF_ERROR(bind(source));
  }
  return {};
}

Result<void> write_etc(const Prepared& prepared) {
  const std::string etc = std::string(kNewRoot) + "/etc";
  CHITIN_RETURN_IF_ERROR(make_dirs(etc, 0755));
  CHITIN_RETURN_IF_ERROR(write_file(etc + "/passwd", prepared.etc_passwd));
  CHITIN_RETURN_IF_ERROR(write_file(etc + "/group", prepared.etc_group));
  CHITIN_RETURN_IF_ERROR(write_file(etc + "/hostname", "chitin-sandbox\n"));
  CHITIN_RETURN_IF_ERROR(
      write_file(etc + "/hosts", "127.0.0.1 localhost chitin-sandbox\n::1 localhost\n"));
  CHITIN_RETURN_IF_ERROR(
      write_file(etc + "/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files\n"));
  // No resolver: the only way out is the egress proxy, which resolves names itself.
  CHITIN_RETURN_IF_ERROR(write_file(etc + "/resolv.conf", ""));
  return {};
}

// A workspace path opened beneath the mounted workspace without following any symlink: what
// the steps below mount onto, so a symlink planted in the workspace can never redirect a mount.
Result<UniqueFd> open_in_workspace(int root, const std::string& relative) {
  return sys::open_beneath(root, relative, O_PATH, 0, true);
}

// MOUNT_ATTR_NOEXEC when the run has an executables list (see scratch_flags).
std::uint64_t noexec_attribute(const Prepared& prepared) {
  return prepared.policy.executables.empty() ? 0 : MOUNT_ATTR_NOEXEC;
}

// Creates the place a declared path is bound onto, in the new root's tmpfs under /workspace
// (WorkspaceAccess kNone): every component made with mkdirat and opened without following
// symlinks, and nothing made where something exists already.
Result<void> make_place(int root, const std::string& relative, bool directory) {
  if (open_in_workspace(root, relative)) {
    return {};
  }
  UniqueFd dir = CHITIN_TRY(sys::open_beneath(root, ".", O_PATH | O_DIRECTORY, 0, true));
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = relative.find('/', start);
    const std::string part = relative.substr(start, slash - start);
    const bool last = slash == std::string::npos;
    if (last && !directory) {
      UniqueFd created(::openat(dir.get(), part.c_str(),
                                O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
      if (!created) {
        return errno_fail(fmt::format("create mount point workspace/{}", relative));
      }
      return {};
    }
    if (::mkdirat(dir.get(), part.c_str(), 0755) != 0 && errno != EEXIST) {
      return errno_fail(fmt::format("create mount point workspace/{}", relative));
    }
    dir = CHITIN_TRY(sys::open_beneath(dir.get(), part, O_PATH | O_DIRECTORY, 0, true));
    if (last) {
      return {};
    }
    start = slash + 1;
  }
}

// Binds each declared workspace path onto its place under /workspace.
Result<void> bind_workspace_paths(const Prepared& prepared, int root) {
  for (const auto& bind : prepared.workspace_binds) {
    if (prepared.policy.workspace_access == WorkspaceAccess::kNone) {
      CHITIN_RETURN_IF_ERROR(make_place(root, bind.relative, bind.directory));
    }
    UniqueFd onto = CHITIN_TRY(open_in_workspace(root, bind.relative));
    if (::mount(fd_path(bind.fd.get()).c_str(), fd_path(onto.get()).c_str(), nullptr,
                MS_BIND | MS_REC, nullptr) != 0) {
      return errno_fail(fmt::format("bind workspace/{}", bind.relative));
    }
    // Re-open: `onto` still names the mount below the new one.
    UniqueFd top = CHITIN_TRY(open_in_workspace(root, bind.relative));
    std::uint64_t attributes = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | noexec_attribute(prepared);
    if (!bind.writable) {
      attributes |= MOUNT_ATTR_RDONLY;
    }
    if (mount_setattr(top.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, attributes) != 0) {
      return errno_fail(fmt::format("set attributes of workspace/{}", bind.relative));
    }
  }
  return {};
}

Result<void> mount_workspace(const Prepared& prepared) {
  const std::string target = std::string(kNewRoot) + std::string(kWorkspaceMount);
  CHITIN_RETURN_IF_ERROR(make_dirs(target, 0755));
  const WorkspaceAccess access = prepared.policy.workspace_access;
  if (access != WorkspaceAccess::kNone) {
    if (::mount(fd_path(prepared.workspace.get()).c_str(), target.c_str(), nullptr,
                MS_BIND | MS_REC, nullptr) != 0) {
      return errno_fail("bind the workspace");
    }
    std::uint64_t attributes = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | noexec_attribute(prepared);
    if (access == WorkspaceAccess::kReadOnly) {
      attributes |= MOUNT_ATTR_RDONLY;
    }
    if (mount_setattr(AT_FDCWD, target.c_str(), AT_RECURSIVE, attributes) != 0) {
      return errno_fail("set the workspace's mount attributes");
    }
  }
  UniqueFd root = CHITIN_TRY(sys::open_file(target, O_PATH | O_DIRECTORY));
  CHITIN_RETURN_IF_ERROR(bind_workspace_paths(prepared, root.get()));
  // Protected paths: each is opened beneath the mounted workspace without following any
  // symlink, bound onto itself, and made read-only. The first component of a nested path
  // (".git" for ".git/hooks") is bound onto itself too, so it is a mount point and cannot be
  // renamed away to be replaced by a writable copy. They go last, so they win over a
  // declared writable path that contains them. Those not visible (kNone) are skipped.
  std::vector<std::string> anchors;
  for (const std::string& relative : prepared.protected_paths) {
    const auto slash = relative.find('/');
    if (slash != std::string::npos) {
      anchors.push_back(relative.substr(0, slash));
    }
  }
  const auto bind_onto_itself = [&](const std::string& relative, bool read_only) -> Result<void> {
    auto fd = open_in_workspace(root.get(), relative);
    if (!fd && fd.error().sys_errno == ENOENT && access == WorkspaceAccess::kNone) {
      return {};
    }
    CHITIN_RETURN_IF_ERROR(fd);
    const std::string self = fd_path(fd->get());
    if (::mount(self.c_str(), self.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      return errno_fail(fmt::format("bind workspace/{} onto itself", relative));
    }
    if (read_only) {
      // Re-open: the fd still names the mount below the new one.
      UniqueFd top = CHITIN_TRY(open_in_workspace(root.get(), relative));
      if (mount_setattr(top.get(), "", AT_EMPTY_PATH | AT_RECURSIVE,
                        MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV) != 0) {
        return errno_fail(fmt::format("make workspace/{} read-only", relative));
      }
    }
    return {};
  };
  for (const std::string& anchor : anchors) {
    if (std::find(prepared.protected_paths.begin(), prepared.protected_paths.end(), anchor) ==
        prepared.protected_paths.end()) {
      CHITIN_RETURN_IF_ERROR(bind_onto_itself(anchor, false));
    }
  }
  for (const std::string& relative : prepared.protected_paths) {
    CHITIN_RETURN_IF_ERROR(bind_onto_itself(relative, true));
  }
  return {};
}

// With an executables list, the writable places are noexec too: Landlock only checks execve,
// while noexec also refuses mapping their files executable (the loader run directly on a
// copied binary, LD_PRELOAD, dlopen).
unsigned long scratch_flags(const SandboxPolicy& policy) {
  return MS_NOSUID | MS_NODEV |
         (policy.executables.empty() ? 0UL : static_cast<unsigned long>(MS_NOEXEC));
}

Result<void> mount_scratch(const Prepared& prepared) {
  const std::string tmp_options = fmt::format("size={}m,mode=1777", prepared.policy.tmp_mb);
  const unsigned long flags = scratch_flags(prepared.policy);
  CHITIN_RETURN_IF_ERROR(mount_tmpfs(std::string(kNewRoot) + "/tmp", tmp_options, flags));
  CHITIN_RETURN_IF_ERROR(
      mount_tmpfs(std::string(kNewRoot) + std::string(kSandboxHome), "size=16m,mode=0755", flags));
  const std::string home = std::string(kNewRoot) + std::string(kSandboxHome);
  if (::chown(home.c_str(), kSandboxUid, kSandboxGid) != 0) {
    return errno_fail("chown the empty HOME");
  }
  return {};
}

Result<void> mount_dev(const Prepared& prepared) {
  const std::string dev = std::string(kNewRoot) + "/dev";
  CHITIN_RETURN_IF_ERROR(mount_tmpfs(dev, "size=64k,mode=0755", MS_NOSUID | MS_NOEXEC));
  const std::pair<const char*, const char*> links[] = {{"fd", "/proc/self/fd"},
                                                       {"stdin", "/proc/self/fd/0"},
                                                       {"stdout", "/proc/self/fd/1"},
                                                       {"stderr", "/proc/self/fd/2"}};
  for (const auto& [name, target] : links) {
    if (::symlink(target, (dev + "/" + name).c_str()) != 0) {
      return errno_fail(fmt::format("symlink /dev/{}", name));
    }
  }
  for (const auto& device : prepared.devices) {
    CHITIN_RETURN_IF_ERROR(bind(device));
  }
  return mount_tmpfs(dev + "/shm", "size=16m,mode=1777", scratch_flags(prepared.policy));
}

Result<void> mount_proc() {
  const std::string proc = std::string(kNewRoot) + "/proc";
  CHITIN_RETURN_IF_ERROR(make_dirs(proc, 0555));
  // Mounted before pivot_root: a fresh proc needs a fully visible proc in this mount
  // namespace, which the detached old root no longer provides (research A.5: EPERM).
  if (::mount("proc", proc.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    return errno_fail("mount /proc");
  }
  return {};
}

Result<void> enter_new_root() {
  if (::chdir(kNewRoot) != 0) {
    return errno_fail("chdir to the new root");
  }
  // pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves only
  // the new root (man 2 pivot_root, NOTES).
  if (::syscall(SYS_pivot_root, ".", ".") != 0) {
    return errno_fail("pivot_root");
  }
  if (::umount2(".", MNT_DETACH) != 0) {
    return errno_fail("detach the old root");
  }
  if (::chdir("/") != 0) {
    return errno_fail("chdir /");
  }
  if (mount_setattr(AT_FDCWD, "/", 0, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV) !=
      0) {
    return errno_fail("make / read-only");
  }
  return {};
}

Result<void> bring_up_loopback() {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) {
    return errno_fail("socket for lo");
  }
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &request) != 0) {
    return errno_fail("get lo flags");
  }
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP | IFF_RUNNING);
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &request) != 0) {
    return errno_fail("bring lo up");
  }
  return {};
}

Result<void> set_hostname() {
  if (::sethostname("chitin-sandbox", 14) != 0) {
    return errno_fail("sethostname");
  }
  return {};
}

Result<void> set_session() {
  // A new session: the tool has no controlling terminal of the caller (TIOCSTI, job control).
  if (::setsid() < 0) {
    return errno_fail("setsid");
  }
  return {};
}

Result<void> close_inherited_fds() {
  // Everything above stdin/stdout/stderr closes at exec (the status pipe must live until then).
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    return errno_fail("close_range");
  }
  return {};
}

Result<void> drop_privileges() {
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return errno_fail("PR_SET_DUMPABLE");
  }
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
      return errno_fail(fmt::format("drop capability {} from the bounding set", cap));
    }
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
    return errno_fail("clear ambient capabilities");
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capset, &header, data) != 0) {
    return errno_fail("capset (drop all)");
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return errno_fail("PR_SET_NO_NEW_PRIVS");
  }
  return {};
}

Result<void> apply_landlock(const SandboxPolicy& policy) {
  namespace ll = sys::landlock;
  const int abi = ll::abi_version();
  if (abi < 1) {
    return fail(ErrorCode::kUnavailable,
                "Landlock is not available on this kernel (needs Linux 5.13+ with "
                "CONFIG_SECURITY_LANDLOCK=y and 'landlock' in the lsm= boot parameter)");
  }
  const std::uint64_t all = ll::fs_rights_for_abi(abi);
  const std::uint64_t read = ll::kReadFile | ll::kReadDir;
  const std::uint64_t write_all = all & ~(ll::kMakeChar | ll::kMakeBlock);
  auto ruleset = CHITIN_TRY(
      ll::Ruleset::create(ll::RulesetSpec{all, ll::kBindTcp | ll::kConnectTcp,
                                          ll::kScopeAbstractUnixSocket | ll::kScopeSignal},
                          abi));
  // Rights that make sense on a file (Landlock refuses directory rights on one).
  const std::uint64_t file_rights =
      ll::kExecute | ll::kWriteFile | ll::kReadFile | ll::kTruncate | ll::kIoctlDev;
  // A path that may be a file (not one of the directories this set-up made or bound).
  const auto allow = [&](const std::string& path, std::uint64_t access) -> Result<void> {
    auto fd = sys::open_file(path, O_PATH);
    if (!fd) {
      return fd.error().sys_errno == ENOENT ? Result<void>() : Result<void>(fail(fd.error()));
    }
    struct stat st {};
    if (::fstat(fd->get(), &st) == 0 && !S_ISDIR(st.st_mode)) {
      access &= file_rights;
    }
    return ruleset.allow_path(fd->get(), access & all);
  };
  // A directory: no fstat needed (O_DIRECTORY refuses anything else).
  const auto allow_dir = [&](const std::string& path, std::uint64_t access) -> Result<void> {
    auto fd = sys::open_file(path, O_PATH | O_DIRECTORY);
    if (!fd) {
      return fd.error().sys_errno == ENOENT ? Result<void>() : Result<void>(fail(fd.error()));
    }
    return ruleset.allow_path(fd->get(), access & all);
  };

  // With an executables list, execute is granted on exactly those files (and the skill's
  // folder) and stripped from everything else.
  const bool exec_limited = !policy.executables.empty();
  const std::uint64_t execute = exec_limited ? 0 : ll::kExecute;
  const std::uint64_t read_run = read | execute;
  const std::uint64_t write_run = exec_limited ? write_all & ~ll::kExecute : write_all;

  // Listing directories is harmless: the whole tree is what we mounted.
  CHITIN_RETURN_IF_ERROR(allow_dir("/", ll::kReadDir));
  for (const char* dir : {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    CHITIN_RETURN_IF_ERROR(allow_dir(dir, read_run));
  }
  CHITIN_RETURN_IF_ERROR(allow_dir("/etc", read));
  CHITIN_RETURN_IF_ERROR(allow_dir("/proc", read));
  CHITIN_RETURN_IF_ERROR(allow_dir("/dev", read | ll::kWriteFile | ll::kIoctlDev));
  CHITIN_RETURN_IF_ERROR(allow_dir("/dev/shm", write_run));
  CHITIN_RETURN_IF_ERROR(allow_dir("/tmp", write_run));
  CHITIN_RETURN_IF_ERROR(allow_dir(std::string(kSandboxHome), write_run));
  const std::string workspace(kWorkspaceMount);
  switch (policy.workspace_access) {
    case WorkspaceAccess::kReadWrite:
      CHITIN_RETURN_IF_ERROR(allow_dir(workspace, write_run));
      break;
    case WorkspaceAccess::kReadOnly:
      CHITIN_RETURN_IF_ERROR(allow_dir(workspace, read_run));
      break;
    case WorkspaceAccess::kNone:
      CHITIN_RETURN_IF_ERROR(allow_dir(workspace, ll::kReadDir));
      break;
  }
  for (const std::string& relative : policy.workspace_read) {
    CHITIN_RETURN_IF_ERROR(allow(workspace + "/" + relative, read_run));
  }
  for (const std::string& relative : policy.workspace_write) {
    CHITIN_RETURN_IF_ERROR(allow(workspace + "/" + relative, write_run));
  }
  for (const std::string& path : policy.read_only) {
    CHITIN_RETURN_IF_ERROR(allow(path, read_run));
  }
  for (const std::string& path : policy.read_write) {
    CHITIN_RETURN_IF_ERROR(allow(path, write_run));
  }
  if (!policy.skill_dir.empty()) {
    CHITIN_RETURN_IF_ERROR(allow(std::string(kSkillMount), read | ll::kExecute));
  }
  if (exec_limited) {
    for (const std::string& path : policy.executables) {
      CHITIN_RETURN_IF_ERROR(allow(path, ll::kReadFile | ll::kExecute));
    }
    // The kernel opens a dynamic executable's loader for execute too.
    for (const char* loader : {"/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1",
                               "/lib/ld-linux-armhf.so.3", "/lib/ld-linux.so.2"}) {
      CHITIN_RETURN_IF_ERROR(allow(loader, ll::kReadFile | ll::kExecute));
    }
  }
  if (!policy.ca_bundle.empty()) {
    CHITIN_RETURN_IF_ERROR(allow(std::string(kCaBundleInSandbox), read));
  }
  // Network: TCP bind and connect are handled; the only port is the proxy bridge's, and only
  // when the run has a proxy. Everything else (the gateway on loopback included) is refused.
  if (!policy.proxy_socket.empty() && abi >= 4) {
    CHITIN_RETURN_IF_ERROR(ruleset.allow_port(kProxyBridgePort, ll::kBindTcp | ll::kConnectTcp));
  }
  return ruleset.restrict_self();
}

}  // namespace

Result<Prepared> prepare(SandboxPolicy policy) {
  Prepared prepared;
  prepared.workspace = CHITIN_TRY(sys::open_file(policy.workspace, O_PATH | O_DIRECTORY));
  for (const char* dir : kSystemDirs) {
    auto status = CHITIN_TRY(sys::status_if_exists(dir));
    if (!status) {
      continue;
    }
    if (status->is_symlink) {
      char target[256];
      const ssize_t n = ::readlink(dir, target, sizeof(target) - 1);
      if (n <= 0) {
        return errno_fail(fmt::format("readlink {}", dir));
      }
      prepared.symlinks.push_back(std::string(target, static_cast<std::size_t>(n)) + '\0' + dir);
      continue;
    }
    prepared.binds.push_back(
        {dir, CHITIN_TRY(sys::open_file(dir, O_PATH | O_DIRECTORY)), true, false});
  }
  for (const char* entry : kEtcEntries) {
    auto status = CHITIN_TRY(sys::status_if_exists(entry));
    if (!status) {
      continue;
    }
    if (status->is_symlink) {
      char target[256];
      const ssize_t n = ::readlink(entry, target, sizeof(target) - 1);
      if (n > 0) {
        prepared.symlinks.push_back(std::string(target, static_cast<std::size_t>(n)) + '\0' +
                                    entry);
      }
      continue;
    }
    prepared.binds.push_back(
        {entry, CHITIN_TRY(sys::open_file(entry, O_PATH)), status->is_directory, false});
  }
  for (const char* device : kDevices) {
    prepared.devices.push_back({device, CHITIN_TRY(sys::open_file(device, O_PATH)), false, true});
  }
  for (const auto* list : {&policy.read_only, &policy.read_write}) {
    for (const std::string& path : *list) {
      UniqueFd fd = CHITIN_TRY(sys::open_file(path, O_PATH));
      struct stat st {};
      if (::fstat(fd.get(), &st) != 0) {
        return errno_fail(fmt::format("stat {}", path));
      }
      const bool directory = S_ISDIR(st.st_mode);
      prepared.extra.push_back({path, std::move(fd), directory, list == &policy.read_write});
    }
  }
  if (!policy.proxy_socket.empty()) {
    prepared.extra.push_back({std::string(kProxySocketInSandbox),
                              CHITIN_TRY(sys::open_file(policy.proxy_socket, O_PATH)), false,
                              true});
  }
  if (!policy.ca_bundle.empty()) {
    prepared.extra.push_back({std::string(kCaBundleInSandbox),
                              CHITIN_TRY(sys::open_file(policy.ca_bundle, O_PATH)), false, false});
  }
  if (!policy.skill_dir.empty()) {
    // O_NOFOLLOW: the skill's folder itself, never something a symlink in its place names.
    prepared.extra.push_back(
        {std::string(kSkillMount),
         CHITIN_TRY(sys::open_file(policy.skill_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW)), true,
         false});
  }
  const auto is_protected = [&](const std::string& relative) {
    return std::any_of(
        policy.protected_paths.begin(), policy.protected_paths.end(),
        [&](const std::string& p) { return relative == p || relative.starts_with(p + "/"); });
  };
  for (const auto* list : {&policy.workspace_read, &policy.workspace_write}) {
    for (const std::string& relative : *list) {
      auto fd = sys::open_beneath(prepared.workspace.get(), relative, O_PATH, 0, true);
      if (!fd && fd.error().sys_errno == ENOENT) {
        continue;  // nothing there to read or write
      }
      if (!fd) {
        return fail(ErrorCode::kPermission,
                    "workspace path '{}' cannot be bound ({}); declared paths are never "
                    "followed through symlinks",
                    relative, fd.error().describe());
      }
      struct stat st {};
      if (::fstat(fd->get(), &st) != 0) {
        return errno_fail(fmt::format("stat workspace/{}", relative));
      }
      if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
        return fail(ErrorCode::kPermission, "workspace path '{}' is neither a file nor a directory",
                    relative);
      }
      const bool writable = list == &policy.workspace_write && !is_protected(relative);
      prepared.workspace_binds.push_back({relative, std::move(*fd), S_ISDIR(st.st_mode), writable});
    }
  }
  // Parents before their children, so a child's mount lands inside its parent's.
  std::stable_sort(prepared.workspace_binds.begin(), prepared.workspace_binds.end(),
                   [](const auto& a, const auto& b) {
                     return std::count(a.relative.begin(), a.relative.end(), '/') <
                            std::count(b.relative.begin(), b.relative.end(), '/');
                   });
  for (const std::string& relative : policy.protected_paths) {
    auto fd = sys::open_beneath(prepared.workspace.get(), relative, O_PATH, 0, true);
    if (fd) {
      prepared.protected_paths.push_back(relative);
      continue;
    }
    if (fd.error().sys_errno == ENOENT) {
      continue;  // nothing to protect
    }
    return fail(ErrorCode::kPermission,
                "workspace path '{}' cannot be protected ({}); if it is a symlink, remove it",
                relative, fd.error().describe());
  }
  prepared.etc_passwd = fmt::format(
      "root:x:0:0:root:/root:/usr/sbin/nologin\n"
      "sandbox:x:{}:{}:Chitin sandbox:{}:/bin/sh\n"
      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
      kSandboxUid, kSandboxGid, kSandboxHome);
  prepared.etc_group = fmt::format("root:x:0:\nsandbox:x:{}:\nnogroup:x:65534:\n", kSandboxGid);
  prepared.policy = std::move(policy);
  return prepared;
}

Result<void> map_ids(uid_t outer_uid, gid_t outer_gid) {
  // man 7 user_namespaces: setgroups must be denied before an unprivileged gid_map write.
  CHITIN_RETURN_IF_ERROR(write_file("/proc/self/setgroups", "deny"));
  CHITIN_RETURN_IF_ERROR(
      write_file("/proc/self/uid_map", fmt::format("{} {} 1\n", kSandboxUid, outer_uid)));
  CHITIN_RETURN_IF_ERROR(
      write_file("/proc/self/gid_map", fmt::format("{} {} 1\n", kSandboxGid, outer_gid)));
  return {};
}

Result<void> set_up_network_and_name() {
  CHITIN_RETURN_IF_ERROR(bring_up_loopback());
  return set_hostname();
}

Result<void> contain(const Prepared& prepared, const JoinRun& join_run) {
  const SandboxPolicy& policy = prepared.policy;
  // The order matters: mounts need capabilities; capabilities go before Landlock and seccomp;
  // seccomp (which forbids mount) comes last.
  struct Step {
    const char* name;
    std::function<Result<void>()> run;
  };
  const Step steps[] = {
      {"make mounts private", [] { return make_mounts_private(); }},
      {"mount the new root", [] { return mount_new_root(); }},
      {"bind system directories", [&] { return bind_sources(prepared); }},
      {"write /etc", [&] { return write_etc(prepared); }},
      {"mount the workspace", [&] { return mount_workspace(prepared); }},
      {"mount /tmp and HOME", [&] { return mount_scratch(prepared); }},
      // After /tmp: an extra path under /tmp must not be hidden by the private /tmp.
      {"bind extra paths", [&] { return bind_extra(prepared); }},
      {"mount /dev", [&] { return mount_dev(prepared); }},
      {"mount /proc", [] { return mount_proc(); }},
      {"enter the new root", [] { return enter_new_root(); }},
      {"join the run's network and cgroup", [&] { return join_run(); }},
      {"start a session", [] { return set_session(); }},
      {"close inherited fds", [] { return close_inherited_fds(); }},
      {"drop privileges", [] { return drop_privileges(); }},
      {"apply Landlock", [&] { return apply_landlock(policy); }},
      {"install seccomp", [&] { return install_seccomp_filter(!policy.executables.empty()); }},
  };
  for (const Step& step : steps) {
    if (auto done = step.run(); !done) {
      return step_failed(step.name, done.error());
    }
  }
  return {};
}

ExecPlan plan_exec(const SandboxPolicy& policy) {
  ExecPlan plan;
  plan.workdir = std::string(kWorkspaceMount);
  plan.program = policy.argv[0];
  plan.args = policy.argv;
  plan.env = policy.env;
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const std::string& entry : policy.env) {
    if (entry.starts_with("PATH=")) {
      path = entry.substr(5);
    }
  }
  plan.path = path;
  if (plan.program.find('/') != std::string::npos) {
    plan.candidates.push_back(plan.program);
  } else {
    std::size_t start = 0;
    while (start <= path.size()) {
      const std::size_t colon = std::min(path.find(':', start), path.size());
      if (colon > start) {
        plan.candidates.push_back(path.substr(start, colon - start) + "/" + plan.program);
      }
      start = colon + 1;
    }
  }
  for (std::string& arg : plan.args) {
    plan.argv.push_back(arg.data());
  }
  plan.argv.push_back(nullptr);
  for (std::string& entry : plan.env) {
    plan.envp.push_back(entry.data());
  }
  plan.envp.push_back(nullptr);
  // Binds callers whose host uid is not root (the kernel exempts root from RLIMIT_NPROC); for
  // root the pids cgroup is the limit, and the helper refuses to run without one.
  plan.limits = {{RLIMIT_CORE, 0, "core"},
                 {RLIMIT_AS, policy.memory_mb << 20, "as"},
                 {RLIMIT_FSIZE, policy.file_size_mb << 20, "fsize"},
                 {RLIMIT_NOFILE, policy.nofile, "nofile"},
                 {RLIMIT_CPU, policy.cpu_seconds, "cpu"},
                 {RLIMIT_NPROC, policy.pids_max, "nproc"}};
  return plan;
}

namespace {

// Runs in the tool's process, on its own stack and in init's memory (CLONE_VM): only system
// calls, no allocation. What failed is left in the plan for init to report.
int exec_planned(void* argument) {
  ExecPlan& plan = *static_cast<ExecPlan*>(argument);
  if (::chdir(plan.workdir.c_str()) != 0) {
    plan.failed_errno = errno;
    plan.failed_limit = -2;
    return 127;
  }
  // The limits are set here, in the tool's process just before execve, and not in the init:
  // the init is our own code and needs no address-space cap (with ASan it could not even run
  // under one).
  for (std::size_t i = 0; i < plan.limits.size(); ++i) {
    const rlimit limit{plan.limits[i].value, plan.limits[i].value};
    if (::setrlimit(plan.limits[i].resource, &limit) != 0) {
      plan.failed_errno = errno;
      plan.failed_limit = static_cast<int>(i);
      return 126;
    }
  }
  // Default dispositions and an empty mask: both survive execve, and the tool must not
  // inherit what its starters did with signals. glibc's posix_spawn, which started the
  // helper, turns the handlers of its internal signals (32, 33) into SIG_IGN, and libc's own
  // sigaction refuses to touch those: hence the raw system calls.
  struct KernelSigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)();
    std::uint64_t mask;
  };
  const KernelSigaction default_action{SIG_DFL, 0, nullptr, 0};
  for (int number = 1; number <= 64; ++number) {
    if (number != SIGKILL && number != SIGSTOP) {
      ::syscall(SYS_rt_sigaction, number, &default_action, nullptr, sizeof(std::uint64_t));
    }
  }
  const std::uint64_t no_signals = 0;
  ::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &no_signals, nullptr, sizeof(no_signals));
  int saved = ENOENT;
  for (const std::string& candidate : plan.candidates) {
    ::execve(candidate.c_str(), plan.argv.data(), plan.envp.data());
    if (errno != ENOENT && errno != ENOTDIR) {
      saved = errno;
    }
  }
  plan.failed_errno = saved;
  return saved == ENOENT ? 127 : 126;
}

}  // namespace

Result<pid_t> start_tool(ExecPlan& plan) {
  // Like posix_spawn: the child borrows init's memory until execve (CLONE_VFORK suspends init
  // meanwhile), so no page tables are copied and torn down again for a process that is about
  // to replace its image; that was ~2 ms of every run (bench/sandbox_spawn). No signal
  // handler is installed in the init, so none can run in the child on shared memory.
  constexpr std::size_t kStackBytes = 256 * 1024;
  void* stack = ::mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    return errno_fail("map the tool's start-up stack");
  }
  plan.failed_errno = 0;
  plan.failed_limit = -1;
  const pid_t pid = ::clone(exec_planned, static_cast<char*>(stack) + kStackBytes,
                            CLONE_VM | CLONE_VFORK | SIGCHLD, &plan);
  const int clone_errno = errno;
  ::munmap(stack, kStackBytes);
  if (pid < 0) {
    return fail(Error{ErrorCode::kIo, clone_errno, "start the tool's process"});
  }
  return pid;
}

Error exec_failure(const ExecPlan& plan) {
  if (plan.failed_limit == -2) {
    return Error{ErrorCode::kIo, plan.failed_errno, "exec: chdir /workspace"};
  }
  if (plan.failed_limit >= 0) {
    return Error{ErrorCode::kIo, plan.failed_errno,
                 fmt::format("exec: setrlimit {}",
                             plan.limits[static_cast<std::size_t>(plan.failed_limit)].name)};
  }
  if (plan.program.find('/') != std::string::npos) {
    return Error{ErrorCode::kNotFound, plan.failed_errno,
                 fmt::format("cannot run {}", plan.program)};
  }
  return Error{ErrorCode::kNotFound, plan.failed_errno,
               fmt::format("cannot run '{}' (looked in PATH={})", plan.program, plan.path)};
}

}  // namespace chitin::sandbox
