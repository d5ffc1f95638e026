// chitin-seccomp-compile: runs at build time and writes the sandbox's seccomp filters as BPF
// programs into a C++ source file.
//
//   chitin-seccomp-compile OUTPUT.cc
//
// libseccomp turns the rule list below into BPF. Doing that once at build time rather than in
// every sandbox start saves ~1 ms per tool run (measured in bench/sandbox_spawn) and keeps
// libseccomp out of the sandbox helper. The program is for the architecture we build on,
// which is the one we run on; any other architecture is killed by the filter's own check.

#include <errno.h>
#include <fmt/format.h>
#include <linux/filter.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

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

// The deny-list every sandboxed tool runs under (see seccomp_filter.h).
Result<Filter> build_filter(bool exec_only_files) {
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
  // and one per family in between keeps the filter short: every system call of the tool runs
  // through it.
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
  return filter;
}

// The BPF program libseccomp generates for the rules, as instructions.
Result<std::vector<sock_filter>> export_program(bool exec_only_files) {
  Filter filter = CHITIN_TRY(build_filter(exec_only_files));
  const UniqueFd memfd(::memfd_create("seccomp-bpf", MFD_CLOEXEC));
  if (!memfd) {
    return fail(Error{ErrorCode::kIo, errno, "seccomp: memfd_create"});
  }
  const int fd = memfd.get();
  CHITIN_RETURN_IF_ERROR(check(seccomp_export_bpf(filter.get(), fd), "export"));
  const off_t size = ::lseek(fd, 0, SEEK_END);
  if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0 || size > (1 << 20)) {
    return fail(ErrorCode::kIo, fmt::format("seccomp: exported program has {} bytes", size));
  }
  std::vector<sock_filter> program(static_cast<std::size_t>(size) / sizeof(sock_filter));
  if (::pread(fd, program.data(), static_cast<std::size_t>(size), 0) != size) {
    return fail(Error{ErrorCode::kIo, errno, "seccomp: read back the exported program"});
  }
  return program;
}

std::string program_source(std::string_view name, const std::vector<sock_filter>& program) {
  std::string out = fmt::format("const sock_filter {}[] = {{\n", name);
  for (const sock_filter& insn : program) {
    out +=
        fmt::format("    {{0x{:04x}, {}, {}, 0x{:08x}}},\n", insn.code, insn.jt, insn.jf, insn.k);
  }
  out += fmt::format("}};\nconst std::size_t {}Length = {};\n\n", name, program.size());
  return out;
}

Result<void> write_programs(const std::string& path) {
  const std::vector<sock_filter> tool = CHITIN_TRY(export_program(false));
  const std::vector<sock_filter> exec_only = CHITIN_TRY(export_program(true));
  std::string source =
      "// Generated at build time by chitin-seccomp-compile (src/sandbox/seccomp_compile.cc).\n"
      "// Do not edit: change the rules there.\n\n"
      "#include \"sandbox/seccomp_programs.h\"\n\nnamespace chitin::sandbox {\n\n";
  source += program_source("kToolFilter", tool);
  source += program_source("kExecOnlyFilter", exec_only);
  source += "}  // namespace chitin::sandbox\n";
  // Written beside the target and renamed over it, so a failed run leaves no half file.
  const std::string temporary = path + ".tmp";
  std::unique_ptr<FILE, decltype(&std::fclose)> file(std::fopen(temporary.c_str(), "we"),
                                                     &std::fclose);
  if (!file || std::fwrite(source.data(), 1, source.size(), file.get()) != source.size() ||
      std::fclose(file.release()) != 0 || std::rename(temporary.c_str(), path.c_str()) != 0) {
    return fail(Error{ErrorCode::kIo, errno, fmt::format("cannot write {}", path)});
  }
  return {};
}

}  // namespace

}  // namespace chitin::sandbox

int main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: chitin-seccomp-compile OUTPUT.cc (run by the build)\n");
    return 2;
  }
  if (auto written = chitin::sandbox::write_programs(argv[1]); !written) {
    fmt::print(stderr, "chitin-seccomp-compile: {}\n", written.error().describe());
    return 1;
  }
  return 0;
}
