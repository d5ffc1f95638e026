#pragma once
// File descriptors over a Unix socket (SCM_RIGHTS), one bounded message at a time. Used by the
// sandbox runner to hand a tool's policy, stdio and pipes to a long-lived helper.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace chitin::sys {

inline constexpr std::size_t kMaxPassedFds = 16;

// Sends `payload` (non-empty) with `fds` in one message. MSG_NOSIGNAL: a peer that went away
// is an error (EPIPE), not a SIGPIPE.
Result<void> send_with_fds(int socket, std::string_view payload, std::span<const int> fds);

struct FdMessage {
  std::string payload;  // empty: the peer closed the connection
  std::vector<UniqueFd> fds;
};

// Receives one message of at most `max_payload` bytes and `max_fds` fds (each O_CLOEXEC). A
// longer payload or more fds is an error (the fds that came are closed), as is a message cut
// short by the kernel.
Result<FdMessage> receive_with_fds(int socket, std::size_t max_payload, std::size_t max_fds);

}  // namespace chitin::sys
