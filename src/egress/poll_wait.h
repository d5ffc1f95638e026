#pragma once
// Waiting on a socket or the proxy's stop pipe, whichever comes first (egress internal).

#include <poll.h>

#include <cerrno>

namespace chitin::egress {

// True when `fd` is ready for `events`; false on timeout, stop (the stop fd readable) or error.
inline bool wait_for(int fd, short events, int stop_fd, int timeout_ms) {
  pollfd fds[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
  int rc;
  do {
    rc = ::poll(fds, 2, timeout_ms);
  } while (rc < 0 && errno == EINTR);
  return rc > 0 && fds[1].revents == 0 && fds[0].revents != 0;
}

}  // namespace chitin::egress
