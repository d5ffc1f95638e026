#include "sandbox/seccomp_filter.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/seccomp_programs.h"

namespace chitin::sandbox {

Result<void> install_seccomp_filter(bool exec_only_files) {
  const sock_filter* program = exec_only_files ? kExecOnlyFilter : kToolFilter;
  const std::size_t length = exec_only_files ? kExecOnlyFilterLength : kToolFilterLength;
  // The kernel takes a non-const pointer but only reads the program.
  sock_fprog fprog{static_cast<unsigned short>(length), const_cast<sock_filter*>(program)};
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) {
    return fail(Error{ErrorCode::kIo, errno, "seccomp: load the filter"});
  }
  return {};
}

}  // namespace chitin::sandbox
