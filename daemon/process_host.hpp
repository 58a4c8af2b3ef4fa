// What the supervisor does to real processes, behind one interface: start them, signal them,
// find the orphans it adopted. posix_host is the real one; unit tests drive the supervisor's
// state machine with a fake that records what it was asked, so no process is started.
#pragma once

#include <sys/types.h>

#include <functional>
#include <vector>

#include "common/log_limits.hpp"
#include "common/status.hpp"
#include "daemon/spawner.hpp"

namespace shoal {

class process_host {
 public:
  virtual ~process_host() = default;
  // spawn_failed ("PROGRAM: No such file or directory") when the program cannot be executed;
  // the caller adds which process it was. Nothing is left running. `meanwhile` runs exactly
  // once, whatever the outcome: once the spawn is under way and before its outcome is awaited
  // where it can (or just after), so the caller's work that the reply needs and the child
  // does not overlaps the spawn.
  virtual result<spawned_child> spawn(const spawn_request& request,
                                      const std::function<void()>& meanwhile) = 0;
  // To the process group led by `pid`: only while the leader is unreaped, so that the group
  // id cannot have been reused. 0, or the errno.
  virtual int signal_group(pid_t pid, int signo) = 0;
  // The same, when the outcome does not matter (a stop: the exit tells): it may be sent
  // without waiting for it.
  virtual void signal_group_unanswered(pid_t pid, int signo) { (void)signal_group(pid, signo); }
  // To the process alone, through its pidfd; 0, or the errno (ESRCH once it has exited).
  virtual int signal_process(int pidfd, int signo) = 0;
  // Children of the daemon that are not zombies, adopted orphans among them (orphans.hpp).
  virtual std::vector<pid_t> living_children() = 0;
  // To an adopted orphan: safe until it is reaped, which only the daemon's thread does.
  virtual void signal_orphan(pid_t pid, int signo) = 0;
  // `pid` is being stopped: once it ends, its group's stragglers are killed before it is
  // reaped, while the zombie still pins the group id (supervisor::before_reap).
  virtual void will_stop(pid_t) {}
  // The log limits of an adopted live child, for whoever writes its logs while no daemon runs
  // (a spawned child's go with its spawn_request).
  virtual void log_limits_of(pid_t, const log_limits&) {}
};

class keeper_link;

// The real one. Once given a keeper (keeper_link.hpp), the keeper spawns, is the parent of
// every child and reaps them; without one, the daemon spawns and reaps them itself.
class posix_host final : public process_host {
 public:
  void use_keeper(keeper_link* keeper) { keeper_ = keeper; }

  result<spawned_child> spawn(const spawn_request& request,
                              const std::function<void()>& meanwhile) override;
  int signal_group(pid_t pid, int signo) override;
  void signal_group_unanswered(pid_t pid, int signo) override;
  int signal_process(int pidfd, int signo) override;
  std::vector<pid_t> living_children() override;
  void signal_orphan(pid_t pid, int signo) override;
  void will_stop(pid_t pid) override;
  void log_limits_of(pid_t pid, const log_limits& limits) override;

 private:
  posix_spawner spawner_;
  keeper_link* keeper_ = nullptr;
};

}  // namespace shoal
