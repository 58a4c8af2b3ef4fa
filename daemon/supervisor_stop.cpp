// Stopping and signalling: stop (the stop signal, then SIGKILL once the grace period is
// over), kill, and the daemon's shutdown, which stops everything and the adopted orphans last.
#include <signal.h>

#include <cerrno>
#include <utility>

#include "common/signals.hpp"
#include "daemon/log.hpp"
#include "daemon/supervisor.hpp"

namespace shoal {

void supervisor::signal_group(process_record& r, int signo, bool answered) {
  if (answered)
    host_.signal_group(r.pid, signo);
  else
    host_.signal_group_unanswered(r.pid, signo);
  // The leader may have left its group (setsid); the pidfd reaches it wherever it is.
  if (const process_run* run = r.run_if_any(); run && run->pidfd)
    host_.signal_process(run->pidfd.get(), signo);
}

void supervisor::begin_stop(process_record& r, double grace) {
  if (r.state == process_state::backoff) {
    timers_.cancel(std::exchange(r.run().restart_timer, 0));
    r.next_attempt_at.reset();
    transition(r, process_event::stop);
    log::info("stopped '{}': restart cancelled", r.name);
    tell(supervisor_event::kind::restart_cancelled, r);
    finish(r);
    return;
  }
  auto deadline = timers_.now() + seconds_of(grace);
  if (r.state == process_state::running) {
    transition(r, process_event::stop);
    log::info("stopping '{}' (pid {}): {}, SIGKILL in {} s", r.name, r.pid,
              signal_name(r.spec.stop_signal), grace);
    host_.will_stop(r.pid);
    // Answered, so the keeper has taken the `stopping` before the pidfd's signal can end the
    // leader: a reap it made first would leave the rest of the group alive. The signals after
    // this one need no answer.
    signal_group(r, r.spec.stop_signal, true);
    // A stopped (SIGSTOP, SIGTSTP) process cannot act on the stop signal until it runs again;
    // without this it would always end by SIGKILL. systemd does the same.
    if (r.spec.stop_signal != SIGCONT) signal_group(r, SIGCONT);
  } else if (r.run().kill_deadline <= deadline) {
    return;  // stopping already, with an earlier (or past) escalation
  }
  timers_.cancel(r.run().kill_timer);
  r.run().kill_deadline = deadline;
  r.run().kill_timer =
      timers_.call_at(deadline, [this, name = r.name, pid = r.pid] { escalate(name, pid); });
}

void supervisor::escalate(const std::string& name, pid_t pid) {
  process_record* r = lookup(name);
  if (!r || r->pid != pid || !r->alive()) return;
  r->run().kill_timer = 0;
  r->escalated = true;
  log::warning("'{}' (pid {}) still alive after the grace period: SIGKILL", name, pid);
  signal_group(*r, SIGKILL);
}

result<const process_record*> supervisor::stop(const std::string& name,
                                               std::optional<double> grace) {
  process_record* r = lookup(name);
  if (!r) return status{errc::not_found, "no process named '" + name + "'"};
  if (!r->done())
    begin_stop(*r, grace.value_or(r->spec.stop_timeout.value_or(options_.stop_grace_seconds)));
  return r;
}

result<const process_record*> supervisor::kill(const std::string& name, int signo, bool group) {
  process_record* r = lookup(name);
  if (!r) return status{errc::not_found, "no process named '" + name + "'"};
  if (!r->alive())
    return status{errc::invalid_state, "process '" + name + "' is not running (state " +
                                           std::string(to_string(r->state)) +
                                           "); nothing to signal"};
  int err =
      group ? host_.signal_group(r->pid, signo) : host_.signal_process(r->run().pidfd.get(), signo);
  if (err != 0 && err != ESRCH)
    return status::from_errno(errc::internal,
                              "unable to send " + signal_name(signo) + " to '" + name + "'", err);
  log::info("sent {} to '{}' (pid {}{})", signal_name(signo), name, r->pid,
            group ? ", whole group" : "");
  return r;
}

std::vector<pid_t> supervisor::adopted_orphans() {
  // Children of the daemon that no record owns, such as the rest of a group whose leader was
  // killed alone.
  std::vector<pid_t> out;
  for (pid_t pid : host_.living_children())
    if (!by_pid_.count(pid)) out.push_back(pid);
  return out;
}

void supervisor::shutdown(std::function<void()> done) {
  if (shutting_down_) {
    log::warning("second shutdown request: killing every child now");
    for (auto& [name, r] : records_)
      if (r->alive()) {
        r->escalated = true;
        signal_group(*r, SIGKILL);
      }
    for (pid_t pid : adopted_orphans()) host_.signal_orphan(pid, SIGKILL);
    return;
  }
  shutting_down_ = true;
  shutdown_done_ = std::move(done);
  for (auto& [name, r] : records_)
    if (!r->done()) begin_stop(*r, r->spec.stop_timeout.value_or(options_.stop_grace_seconds));
  // Adopted orphans get SIGTERM (and SIGCONT) now, and SIGKILL once every supervised process
  // has ended.
  for (pid_t pid : adopted_orphans()) {
    host_.signal_orphan(pid, SIGTERM);
    host_.signal_orphan(pid, SIGCONT);
  }
  check_shutdown_done();
}

void supervisor::check_shutdown_done() {
  if (!shutting_down_ || !shutdown_done_ || running_count() > 0) return;
  evict_oldest_exited();
  for (pid_t pid : adopted_orphans()) {
    log::info("killing adopted orphan (pid {})", pid);
    host_.signal_orphan(pid, SIGKILL);
  }
  timers_.post(std::exchange(shutdown_done_, nullptr));
}

}  // namespace shoal
