#pragma once
// The seccomp filters as BPF programs, generated at build time by chitin-seccomp-compile
// (src/sandbox/seccomp_compile.cc holds the rules) into the build directory.

#include <linux/filter.h>

#include <cstddef>

namespace chitin::sandbox {

// The deny-list every sandboxed tool runs under.
extern const sock_filter kToolFilter[];
extern const std::size_t kToolFilterLength;
// The same, plus memfd_create/memfd_secret/execveat refused (runs limited to listed files).
extern const sock_filter kExecOnlyFilter[];
extern const std::size_t kExecOnlyFilterLength;

}  // namespace chitin::sandbox
