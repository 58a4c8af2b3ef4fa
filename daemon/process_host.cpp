#include "daemon/process_host.hpp"

#include <signal.h>

#include <cerrno>

#include "daemon/orphans.hpp"
#include "daemon/pidfd.hpp"

namespace shoal {

result<spawned_child> posix_host::spawn(const spawn_request& request) {
  return spawner_.spawn(request);
}

int posix_host::signal_group(pid_t pid, int signo) { return ::kill(-pid, signo) == 0 ? 0 : errno; }

int posix_host::signal_process(int pidfd, int signo) {
  return pidfd_send_signal(pidfd, signo) == 0 ? 0 : errno;
}

std::vector<pid_t> posix_host::living_children() { return living_children_of_self(); }

void posix_host::signal_orphan(pid_t pid, int signo) { ::kill(pid, signo); }

}  // namespace shoal
