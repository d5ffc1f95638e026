#include "sandbox/seccomp_filter.h"

#include <errno.h>
#include <fmt/format.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <memory>

namespace chitin::sandbox {

namespace {

struct FilterDeleter {
  void operator()(scmp_filter_ctx ctx) const { seccomp_release(ctx); }
};
using Filter = std::unique_ptr<void, FilterDeleter>;

// Syscalls refused with EPERM, by group (research A.6.2).
constexpr const char* kDenied[] = {
    // namespace / mount escape
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "unshare",
    "setns",
    // kernel attack surface
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "keyctl",
    "add_key",
    "request_key",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "iopl",
    "ioperm",
    "acct",
    "swapon",
    "swapoff",
    "reboot",
    "syslog",
    "quotactl",
    "lookup_dcookie",
    "vhangup",
    "nfsservctl",
    "uselib",
    "fanotify_init",
    // process intrusion
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "pidfd_getfd",
    // handle-based opens bypass the mount view
    "open_by_handle_at",
    "name_to_handle_at",
    // clocks
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
};

Result<void> check(int rc, std::string_view what) {
  if (rc < 0) {
    return fail(Error{ErrorCode::kIo, -rc, fmt::format("seccomp: {}", what)});
  }
  return {};
}

}  // namespace

Result<void> install_seccomp_filter(bool exec_only_files) {
  Filter filter(seccomp_init(SCMP_ACT_ALLOW));
  if (!filter) {
    return fail(ErrorCode::kIo, "seccomp: cannot allocate a filter");
  }
  scmp_filter_ctx ctx = filter.get();
  // Foreign architectures (e.g. i386 via int 0x80) are killed outright.
  CHITIN_RETURN_IF_ERROR(check(
      seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS), "bad-arch action"));
  for (const char* name : kDenied) {
    const int number = seccomp_syscall_resolve_name(name);
    if (number == __NR_SCMP_ERROR) {
      continue;  // not on this architecture
    }
    CHITIN_RETURN_IF_ERROR(check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), number, 0), name));
  }
  if (exec_only_files) {
    for (const char* name : {"memfd_create", "memfd_secret", "execveat"}) {
      const int number = seccomp_syscall_resolve_name(name);
      if (number != __NR_SCMP_ERROR) {
        CHITIN_RETURN_IF_ERROR(
            check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), number, 0), name));
      }
    }
  }
  // clone3 keeps its flags in memory where seccomp cannot look: make libc fall back to clone.
  CHITIN_RETURN_IF_ERROR(
      check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0), "clone3"));
  // clone with any namespace flag: one rule per flag (a rule matches when (arg & flag) == flag).
  for (std::uint64_t flag :
       {std::uint64_t{CLONE_NEWNS}, std::uint64_t{CLONE_NEWCGROUP}, std::uint64_t{CLONE_NEWUTS},
        std::uint64_t{CLONE_NEWIPC}, std::uint64_t{CLONE_NEWUSER}, std::uint64_t{CLONE_NEWPID},
        std::uint64_t{CLONE_NEWNET}}) {
    CHITIN_RETURN_IF_ERROR(check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                                  SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)),
                                 "clone namespace flag"));
  }
  // TIOCSTI / TIOCLINUX: typing into the terminal of whoever runs us (CVE-2017-5226).
  for (unsigned long request :
       {static_cast<unsigned long>(TIOCSTI), static_cast<unsigned long>(TIOCLINUX)}) {
    CHITIN_RETURN_IF_ERROR(
        check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                               SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFULL, request)),
              "ioctl"));
  }
  // Socket families: only UNIX (1), INET (2) and INET6 (10). One rule for everything above 10
  // and one per family in between keeps the filter short (it is compiled at every run).
  static_assert(AF_UNIX == 1 && AF_INET == 2 && AF_INET6 == 10);
  CHITIN_RETURN_IF_ERROR(check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket),
                                                1, SCMP_A0(SCMP_CMP_GT, AF_INET6)),
                               "socket family"));
  for (int family : {0, 3, 4, 5, 6, 7, 8, 9}) {
    CHITIN_RETURN_IF_ERROR(
        check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
                               SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(family))),
              "socket family"));
  }
  // personality(): only the query (0xffffffff) is allowed; changing it can disable ASLR.
  CHITIN_RETURN_IF_ERROR(check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality),
                                                1, SCMP_A0(SCMP_CMP_NE, 0xFFFFFFFFULL)),
                               "personality"));
  CHITIN_RETURN_IF_ERROR(check(seccomp_load(ctx), "load"));
  return {};
}

}  // namespace chitin::sandbox
