#include "sys/fd_passing.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstring>

namespace chitin::sys {

namespace {

// Control-message space for kMaxPassedFds descriptors, aligned for cmsghdr.
union ControlBuffer {
  char bytes[CMSG_SPACE(sizeof(int) * kMaxPassedFds)];
  cmsghdr align;
};

}  // namespace

Result<void> send_with_fds(int socket, std::string_view payload, std::span<const int> fds) {
  if (payload.empty() || fds.size() > kMaxPassedFds) {
    return fail(ErrorCode::kInternal, "send_with_fds: empty payload or more than {} fds",
                kMaxPassedFds);
  }
  iovec iov{const_cast<char*>(payload.data()), payload.size()};
  ControlBuffer control{};
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  if (!fds.empty()) {
    message.msg_control = control.bytes;
    message.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(header), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    const ssize_t sent = ::sendmsg(socket, &message, MSG_NOSIGNAL);
    if (sent == static_cast<ssize_t>(payload.size())) {
      return {};
    }
    if (sent < 0 && errno == EINTR) {
      continue;
    }
    return fail(Error{ErrorCode::kIo, sent < 0 ? errno : EMSGSIZE, "send a message with fds"});
  }
}

Result<FdMessage> receive_with_fds(int socket, std::size_t max_payload, std::size_t max_fds) {
  FdMessage out;
  // One byte more than allowed, so an oversized payload shows as MSG_TRUNC or a long read.
  std::string buffer(max_payload + 1, '\0');
  iovec iov{buffer.data(), buffer.size()};
  ControlBuffer control{};
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control.bytes;
  message.msg_controllen = sizeof(control.bytes);
  ssize_t received;
  do {
    received = ::recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
  } while (received < 0 && errno == EINTR);
  if (received < 0) {
    return fail(Error{ErrorCode::kIo, errno, "receive a message with fds"});
  }
  // Take ownership of every fd that came, before any check can return.
  for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
       header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) {
      continue;
    }
    const std::size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof(int));
      out.fds.emplace_back(fd);
    }
  }
  if ((message.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 ||
      static_cast<std::size_t>(received) > max_payload || out.fds.size() > max_fds) {
    return fail(ErrorCode::kLimitExceeded,
                "a message with fds was larger than allowed ({} bytes, {} fds at most)",
                max_payload, max_fds);
  }
  out.payload = buffer.substr(0, static_cast<std::size_t>(received));
  return out;
}

}  // namespace chitin::sys
