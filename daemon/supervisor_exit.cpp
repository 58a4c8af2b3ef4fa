// A run's end: the reaped status decoded, the restart policy's verdict (exited, a restart after
// a back-off, or fatal), the respawn, and forgetting the oldest records that are done.
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "common/rounding.hpp"
#include "common/signals.hpp"
#include "daemon/log.hpp"
#include "daemon/supervisor.hpp"

namespace shoal {
namespace {

std::string describe_exit(const process_record& r) {
  std::string out;
  if (r.term_signal) {
    out = "was killed by " + signal_name(*r.term_signal);
    if (r.core_dumped) out += " (core dumped)";
  } else {
    out = "exited with status " + std::to_string(r.exitcode.value_or(0));
  }
  if (r.escalated) out += " after stop escalated to SIGKILL";
  return out;
}

}  // namespace

void supervisor::before_reap(pid_t pid) {
  auto it = by_pid_.find(pid);
  if (it != by_pid_.end() && it->second->state == process_state::stopping)
    host_.signal_group_unanswered(pid, SIGKILL);
}

void supervisor::end_run(process_record& r) {
  // Everything it wrote is in its pipes by now: logged before anyone hears that it ended.
  if (r.output) r.output->drain();
  r.ended_at = timers_.wall_now();
  r.run().pidfd.reset();
  timers_.cancel(std::exchange(r.run().kill_timer, 0));
}

bool supervisor::on_reaped(pid_t pid, int wait_status) {
  auto it = by_pid_.find(pid);
  if (it == by_pid_.end()) return false;
  process_record& r = *it->second;
  end_run(r);
  if (WIFSIGNALED(wait_status)) {
    r.term_signal = WTERMSIG(wait_status);
    r.exitcode = -*r.term_signal;
    r.core_dumped = WCOREDUMP(wait_status);
  } else {
    r.exitcode = WEXITSTATUS(wait_status);
  }
  by_pid_.erase(it);
  log::info("'{}' (pid {}) {}", r.name, r.pid, describe_exit(r));
  // During shutdown every record is stopping already: nothing restarts.
  if (!restart_policy_applies(r.state) || shutting_down_) {
    transition(r, process_event::ended);
    tell(supervisor_event::kind::stopped, r);
  } else {
    tell(supervisor_event::kind::exited, r);
    judge_run(r, *r.exitcode != 0);
  }
  // In backoff the process is not done yet: its waiters wait for the final outcome.
  if (r.done()) finish(r);
  evict_exited();
  check_shutdown_done();
  return true;
}

bool supervisor::on_untraceable(pid_t pid, const std::string& why) {
  auto it = by_pid_.find(pid);
  if (it == by_pid_.end()) return false;
  process_record& r = *it->second;
  end_run(r);
  auto told = r.state == process_state::stopping ? supervisor_event::kind::stopped
                                                 : supervisor_event::kind::exited;
  r.lost_reason = why;
  by_pid_.erase(it);
  log::warning("'{}' (pid {}) is lost: {}", r.name, r.pid, why);
  transition(r, process_event::untraceable);
  tell(told, r);
  finish(r);
  evict_exited();
  check_shutdown_done();
  return true;
}

std::vector<std::pair<pid_t, int>> supervisor::live_pidfds() const {
  std::vector<std::pair<pid_t, int>> out;
  out.reserve(by_pid_.size());
  for (const auto& [pid, r] : by_pid_) {
    const process_run* run = r->run_if_any();
    out.emplace_back(pid, run && run->pidfd ? run->pidfd.get() : -1);
  }
  return out;
}

void supervisor::judge_run(process_record& r, bool failed) {
  auto d = r.restarts.on_exit(r.run().started, timers_.now(), failed);
  switch (d.what) {
    case restart_tracker::decision::kind::none:
      transition(r, process_event::ended);
      return;
    case restart_tracker::decision::kind::fatal:
      transition(r, process_event::ended_give_up);
      log::warning("'{}' gave up: more than {} restarts within {} s", r.name,
                   r.restarts.settings().max_restarts, r.restarts.settings().window_seconds);
      tell(supervisor_event::kind::fatal, r);
      return;
    case restart_tracker::decision::kind::restart:
      break;
  }
  transition(r, process_event::ended_restart);
  r.next_attempt_at = timers_.wall_now() + seconds_of<std::chrono::system_clock>(d.delay_seconds);
  timers_.cancel(r.run().restart_timer);
  r.run().restart_timer =
      timers_.call_at(timers_.now() + seconds_of(d.delay_seconds), [this, name = r.name, rec = &r] {
        // The record may have left backoff (stop) or been replaced since the timer was set.
        if (lookup(name) != rec || rec->state != process_state::backoff) return;
        rec->run().restart_timer = 0;
        respawn(*rec);
      });
  log::info("'{}' restarts in {} s (attempt {})", r.name, round_to_part(d.delay_seconds, 1000),
            d.attempt);
  tell(supervisor_event::kind::restarting, r, d.delay_seconds, d.attempt);
}

void supervisor::respawn(process_record& r) {
  r.next_attempt_at.reset();
  if (shutting_down_) return;
  r.run().started = timers_.now();  // a failed spawn is a run of no length, never a healthy one
  auto child = spawn_child(r.name, r.spec, r.output.get());
  if (!child) {
    judge_run(r, true);  // a run that could not even start is a failed one
    if (r.done()) finish(r);
    return;
  }
  r.pid = child->pid;
  r.run().pidfd = std::move(child->pidfd);
  r.start_ticks = child->start_ticks;
  transition(r, process_event::respawned);
  r.exitcode.reset();
  r.term_signal.reset();
  r.core_dumped = false;
  r.escalated = false;
  r.started_at = timers_.wall_now();
  r.ended_at.reset();
  ++r.restart_count;
  by_pid_[r.pid] = &r;
  log::info("restarted '{}' (pid {}), restart {}", r.name, r.pid, r.restart_count);
  tell(supervisor_event::kind::respawned, r);
}

void supervisor::finish(process_record& r) {
  if (r.output) r.output->wake();  // a follower stops once the process is done
  tell(supervisor_event::kind::finished, r);
  // What only a live or restarting process needs goes; a new start of the name makes both
  // afresh.
  r.restarts.settle();
  if (const process_run* run = r.run_if_any()) {
    timers_.cancel(run->kill_timer);
    timers_.cancel(run->restart_timer);
  }
  r.end_run();
  r.status_text = {};  // kept only while the record lives
  release_if_quiet(r);
}

void supervisor::release_if_quiet(process_record& r) {
  // Most done records are of processes that wrote nothing, and up to max_exited_records of
  // them are kept.
  if (!r.output || !r.done() || !r.output->holds_nothing()) return;
  r.quiet_log_limits = r.output->limits();
  r.output->close();
  r.output.reset();
}

void supervisor::evict_exited() {
  // Thousands of children end together when the daemon shuts down; evicting after each one
  // would cost time quadratic in their number. check_shutdown_done() evicts once, at the end.
  if (!shutting_down_) evict_oldest_exited();
}

void supervisor::evict_oldest_exited() {
  using entry = record_table::iterator;
  std::vector<entry> done;
  for (auto it = records_.begin(); it != records_.end(); ++it)
    if (it->second->done()) done.push_back(it);
  if (done.size() <= options_.max_exited_records) return;
  auto excess = static_cast<std::ptrdiff_t>(done.size() - options_.max_exited_records);
  std::nth_element(done.begin(), done.begin() + excess - 1, done.end(), [](entry a, entry b) {
    return a->second->start_order < b->second->start_order;
  });
  for (auto it = done.begin(); it != done.begin() + excess; ++it) forget(*it);
}

}  // namespace shoal
