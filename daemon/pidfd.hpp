// pidfd system calls. A pidfd names one process for as long as it is open, so signals sent
// through it can never reach a process that reused the pid. glibc 2.36's <sys/pidfd.h>
// cannot be included from C++ (no extern "C"), hence the raw syscalls.
#pragma once

#include <sys/types.h>

namespace shoal {

int pidfd_open(pid_t pid);  // -1 with errno on failure
int pidfd_send_signal(int pidfd, int signo);

}  // namespace shoal
