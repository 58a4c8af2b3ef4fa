#include "daemon/process_host.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>

#include "daemon/keeper_link.hpp"
#include "daemon/orphans.hpp"
#include "daemon/pidfd.hpp"

namespace shoal {

result<spawned_child> posix_host::spawn(const spawn_request& request,
                                        const std::function<void()>& meanwhile) {
  if (keeper_) return keeper_->spawn(request, meanwhile);
  auto child = spawner_.spawn(request);
  meanwhile();
  return child;
}

int posix_host::signal_group(pid_t pid, int signo) {
  if (keeper_) return keeper_->signal_group(pid, signo);
  return ::kill(-pid, signo) == 0 ? 0 : errno;
}

void posix_host::signal_group_unanswered(pid_t pid, int signo) {
  if (keeper_) return keeper_->signal_group_unanswered(pid, signo);
  ::kill(-pid, signo);
}

int posix_host::signal_process(int pidfd, int signo) {
  return pidfd_send_signal(pidfd, signo) == 0 ? 0 : errno;
}

std::vector<pid_t> posix_host::living_children() {
  if (!keeper_) return living_children_of_self();
  auto out = living_children_of(keeper_->pid());
  // A keeper this daemon started and lost left its children and their orphans to the daemon.
  for (pid_t pid : living_children_of_self())
    if (pid != keeper_->pid()) out.push_back(pid);
  return out;
}

void posix_host::signal_orphan(pid_t pid, int signo) {
  // The daemon's own child (left by a keeper it lost) is the daemon's to signal: the keeper
  // signals only its own, the only ones whose pids it knows cannot have been reused.
  siginfo_t info{};
  bool own = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0;
  if (keeper_ && !own)
    keeper_->signal_orphan(pid, signo);
  else
    ::kill(pid, signo);
}

void posix_host::will_stop(pid_t pid) {
  if (keeper_) keeper_->stopping(pid);
}

void posix_host::log_limits_of(pid_t pid, const log_limits& limits) {
  if (keeper_) keeper_->set_log_limits(pid, limits);
}

}  // namespace shoal
