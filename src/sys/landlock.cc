#include "sys/landlock.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace chitin::sys::landlock {

namespace {

// struct landlock_ruleset_attr, as of ABI 6 (the kernel accepts shorter sizes for older ABIs).
struct RulesetAttr {
  std::uint64_t handled_access_fs;
  std::uint64_t handled_access_net;
  std::uint64_t scoped;
};

// struct landlock_path_beneath_attr is packed in the UAPI.
struct __attribute__((packed)) PathBeneathAttr {
  std::uint64_t allowed_access;
  std::int32_t parent_fd;
};

struct NetPortAttr {
  std::uint64_t allowed_access;
  std::uint64_t port;
};

constexpr int kRulePathBeneath = 1;
constexpr int kRuleNetPort = 2;
constexpr unsigned kCreateRulesetVersion = 1U << 0;

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

}  // namespace

std::uint64_t fs_rights_for_abi(int abi) {
  std::uint64_t rights = (1ULL << 13) - 1;  // ABI 1: execute .. make_sym
  if (abi >= 2) {
    rights |= kRefer;
  }
  if (abi >= 3) {
    rights |= kTruncate;
  }
  if (abi >= 5) {
    rights |= kIoctlDev;
  }
  return rights;
}

int abi_version() {
  const long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
  return abi < 0 ? 0 : static_cast<int>(abi);
}

Result<Ruleset> Ruleset::create(const RulesetSpec& spec, int abi) {
  RulesetAttr attr{spec.handled_fs, abi >= 4 ? spec.handled_net : 0, abi >= 6 ? spec.scoped : 0};
  std::size_t size = sizeof(std::uint64_t);
  if (abi >= 6) {
    size = sizeof(RulesetAttr);
  } else if (abi >= 4) {
    size = 2 * sizeof(std::uint64_t);
  }
  // The kernel returns the ruleset fd with O_CLOEXEC set.
  const long fd = ::syscall(SYS_landlock_create_ruleset, &attr, size, 0);
  if (fd < 0) {
    return errno_fail("landlock_create_ruleset");
  }
  return Ruleset(UniqueFd(static_cast<int>(fd)));
}

Result<void> Ruleset::allow_path(int fd, std::uint64_t access) {
  PathBeneathAttr attr{access, fd};
  if (::syscall(SYS_landlock_add_rule, fd_.get(), kRulePathBeneath, &attr, 0) != 0) {
    return errno_fail("landlock_add_rule (path)");
  }
  return {};
}

Result<void> Ruleset::allow_port(std::uint16_t port, std::uint64_t access) {
  NetPortAttr attr{access, port};
  if (::syscall(SYS_landlock_add_rule, fd_.get(), kRuleNetPort, &attr, 0) != 0) {
    return errno_fail("landlock_add_rule (port)");
  }
  return {};
}

Result<void> Ruleset::restrict_self() {
  if (::syscall(SYS_landlock_restrict_self, fd_.get(), 0) != 0) {
    return errno_fail("landlock_restrict_self");
  }
  return {};
}

}  // namespace chitin::sys::landlock
