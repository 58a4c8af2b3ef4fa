#include "daemon/pidfd.hpp"

#include <sys/syscall.h>
#include <unistd.h>

namespace shoal {

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

int pidfd_send_signal(int pidfd, int signo) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signo, nullptr, 0));
}

}  // namespace shoal
