#include "daemon/reaper.hpp"

#include <sys/wait.h>

#include <cerrno>

#include "daemon/log.hpp"

namespace shoal {

void reap_children(supervisor& s) {
  for (int round = 0; round < 100000; ++round) {
    siginfo_t info{};
    // WNOWAIT: look first, so the supervisor can act while the zombie still pins its pid.
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      if (errno == EINTR) continue;
      return;  // ECHILD: no children at all
    }
    if (info.si_pid == 0) return;
    pid_t pid = info.si_pid;
    s.before_reap(pid);
    int wait_status = 0;
    pid_t got;
    do got = ::waitpid(pid, &wait_status, WNOHANG);
    while (got < 0 && errno == EINTR);
    if (got != pid) return;
    if (!s.on_reaped(pid, wait_status)) log::debug("reaped orphaned descendant (pid {})", pid);
  }
}

}  // namespace shoal
