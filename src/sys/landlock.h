#pragma once
// Landlock through raw syscalls (man 7 landlock). Debian 12's <linux/landlock.h> stops at ABI
// 2, so the UAPI constants and structs of later ABIs are defined here, under our own names.
// ABI history: 1 base FS rights; 2 REFER; 3 TRUNCATE; 4 TCP bind/connect; 5 IOCTL_DEV;
// 6 scopes (abstract UNIX sockets, signals); 7 audit-log flags.

#include <cstdint>

#include "base/result.h"
#include "base/unique_fd.h"

namespace chitin::sys::landlock {

// Filesystem rights (bit positions from the kernel UAPI).
inline constexpr std::uint64_t kExecute = 1ULL << 0;
inline constexpr std::uint64_t kWriteFile = 1ULL << 1;
inline constexpr std::uint64_t kReadFile = 1ULL << 2;
inline constexpr std::uint64_t kReadDir = 1ULL << 3;
inline constexpr std::uint64_t kRemoveDir = 1ULL << 4;
inline constexpr std::uint64_t kRemoveFile = 1ULL << 5;
inline constexpr std::uint64_t kMakeChar = 1ULL << 6;
inline constexpr std::uint64_t kMakeDir = 1ULL << 7;
inline constexpr std::uint64_t kMakeReg = 1ULL << 8;
inline constexpr std::uint64_t kMakeSock = 1ULL << 9;
inline constexpr std::uint64_t kMakeFifo = 1ULL << 10;
inline constexpr std::uint64_t kMakeBlock = 1ULL << 11;
inline constexpr std::uint64_t kMakeSym = 1ULL << 12;
inline constexpr std::uint64_t kRefer = 1ULL << 13;     // ABI 2
inline constexpr std::uint64_t kTruncate = 1ULL << 14;  // ABI 3
inline constexpr std::uint64_t kIoctlDev = 1ULL << 15;  // ABI 5

// Network rights (ABI 4).
inline constexpr std::uint64_t kBindTcp = 1ULL << 0;
inline constexpr std::uint64_t kConnectTcp = 1ULL << 1;

// Scopes (ABI 6).
inline constexpr std::uint64_t kScopeAbstractUnixSocket = 1ULL << 0;
inline constexpr std::uint64_t kScopeSignal = 1ULL << 1;

// Every filesystem right the given ABI knows.
std::uint64_t fs_rights_for_abi(int abi);

// The ABI version the kernel supports; 0 when Landlock is unavailable (disabled or too old).
int abi_version();

struct RulesetSpec {
  std::uint64_t handled_fs = 0;
  std::uint64_t handled_net = 0;  // ignored below ABI 4
  std::uint64_t scoped = 0;       // ignored below ABI 6
};

// A ruleset being built; restrict_self() applies it to the calling thread (and its future
// children). REQUIRES: no_new_privs is set (or CAP_SYS_ADMIN).
class Ruleset {
 public:
  static Result<Ruleset> create(const RulesetSpec& spec, int abi);

  // Allows `access` beneath the directory or file open at `fd` (O_PATH is fine).
  Result<void> allow_path(int fd, std::uint64_t access);
  // Allows `access` (kBindTcp / kConnectTcp) to one TCP port.
  Result<void> allow_port(std::uint16_t port, std::uint64_t access);
  Result<void> restrict_self();

 private:
  explicit Ruleset(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace chitin::sys::landlock
