#pragma once
// The seccomp deny-list every sandboxed tool runs under (research A.6.2): default allow,
// EPERM for namespace/mount escapes, kernel attack surface, process intrusion, handle-based
// opens, clock changes, TIOCSTI/TIOCLINUX, and socket families other than UNIX/INET/INET6
// (EAFNOSUPPORT); clone3 answers ENOSYS so libc falls back to clone, whose namespace flags
// are checked; a foreign architecture kills the process.

#include "base/result.h"

namespace chitin::sandbox {

// Loads the filter into the calling thread. REQUIRES: no_new_privs is set. `exec_only_files`
// (runs limited to listed executables) also refuses memfd_create and execveat: code written
// to an anonymous in-memory file would otherwise run outside Landlock's execute rules.
Result<void> install_seccomp_filter(bool exec_only_files = false);

}  // namespace chitin::sandbox
