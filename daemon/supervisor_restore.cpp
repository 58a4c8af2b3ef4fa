// The supervisor's side of a daemon restart: what it saves of each record, and how it takes
// the records back (docs/restore.md).
#include <algorithm>

#include "daemon/log.hpp"
#include "daemon/supervisor.hpp"

namespace shoal {
namespace {

std::string unverified(pid_t pid, const std::string& why) {
  return "pid " + std::to_string(pid) + " could not be verified as the process this record " +
         "started: " + why + "; it was not signalled";
}

}  // namespace

saved_table supervisor::snapshot() const {
  saved_table t;
  t.next_default = next_default_;
  t.processes.reserve(records_.size());
  for (const auto& [name, r] : records_) t.processes.push_back(*snapshot_of(name));
  return t;
}

std::optional<saved_process> supervisor::snapshot_of(const std::string& name) const {
  const process_record* r = find(name);
  if (!r) return std::nullopt;
  {
    saved_process p;
    p.name = r->name;
    p.spec = r->spec;
    p.pid = r->pid;
    p.start_ticks = r->start_ticks;
    p.state = r->state;
    p.exitcode = r->exitcode;
    p.term_signal = r->term_signal;
    p.core_dumped = r->core_dumped;
    p.escalated = r->escalated;
    p.started_at = r->started_at;
    p.ended_at = r->ended_at;
    p.next_attempt_at = r->next_attempt_at;
    p.start_order = r->start_order;
    p.uid = r->uid;
    p.gid = r->gid;
    p.user = r->user;
    p.group = r->group;
    p.restart_count = r->restart_count;
    p.lost_reason = r->lost_reason;
    return p;
  }
}

void supervisor::restore_one(const saved_process& p, std::vector<keeper_entry>& held,
                             bool keeper_is_new, std::vector<std::pair<pid_t, int>>& exits) {
  auto r = std::make_unique<process_record>();
  r->name = p.name;
  r->spec = p.spec;
  r->pid = p.pid;
  r->start_ticks = p.start_ticks;
  r->state = p.state;
  r->exitcode = p.exitcode;
  r->term_signal = p.term_signal;
  r->core_dumped = p.core_dumped;
  r->escalated = p.escalated;
  r->started_at = p.started_at;
  r->ended_at = p.ended_at;
  r->start_order = p.start_order;
  r->uid = p.uid;
  r->gid = p.gid;
  r->user = p.user;
  r->group = p.group;
  r->restart_count = p.restart_count;
  r->lost_reason = p.lost_reason;
  r->restarts = restart_tracker(p.spec.restart);
  r->restored = true;
  auto up = timers_.wall_now() - p.started_at;
  r->run_started = timers_.now() - std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                       std::max(up, std::chrono::system_clock::duration::zero()));
  log_limits limits = logs_.limits_for(p.spec);
  if (auto output = logs_.output_for(p.name, nullptr, limits)) {
    (*output)->set_limits(limits);
    r->output = std::move(*output);
  } else {
    log::warning("'{}': {}", p.name, output.error().message());
  }
  next_start_order_ = std::max(next_start_order_, p.start_order + 1);

  if (is_alive(p.state)) {
    auto it = std::find_if(held.begin(), held.end(),
                           [&](const keeper_entry& e) { return e.pid == p.pid && p.pid > 0; });
    if (it == held.end()) {
      r->state = process_state::lost;
      r->lost_reason = unverified(
          p.pid, keeper_is_new ? "the keeper that held it is gone, so its exit status is unknown"
                               : "the keeper holds no child with this pid");
    } else if (it->start_ticks != p.start_ticks) {
      r->state = process_state::lost;
      r->lost_reason =
          unverified(p.pid, "it started at tick " + std::to_string(it->start_ticks) +
                                ", not at the recorded " + std::to_string(p.start_ticks) +
                                ", so the pid now names another process");
    } else {
      r->pidfd = std::move(it->pidfd);
      if (r->output) r->output->adopt_run({std::move(it->out), std::move(it->err)});
      by_pid_[r->pid] = r.get();
      if (it->exited) {
        exits.emplace_back(it->pid, it->wait_status);
      } else if (p.state == process_state::stopping) {
        host_.will_stop(r->pid);
        double grace = p.spec.stop_timeout.value_or(options_.stop_grace_seconds);
        r->kill_deadline =
            timers_.now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(grace));
        r->kill_timer = timers_.call_at(
            r->kill_deadline, [this, name = r->name, pid = r->pid] { escalate(name, pid); });
      }
      it->pid = -1;  // taken
    }
    if (r->state == process_state::lost) log::warning("'{}' is lost: {}", p.name, r->lost_reason);
  } else if (p.state == process_state::backoff) {
    auto wait = p.next_attempt_at.value_or(timers_.wall_now()) - timers_.wall_now();
    wait = std::max(wait, std::chrono::system_clock::duration::zero());
    r->next_attempt_at = timers_.wall_now() + wait;
    process_record* rec = r.get();
    r->restart_timer = timers_.call_at(
        timers_.now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait),
        [this, name = p.name, rec] {
          if (lookup(name) != rec || rec->state != process_state::backoff) return;
          rec->restart_timer = 0;
          respawn(*rec);
        });
  }
  records_[p.name] = std::move(r);
}

void supervisor::restore(const saved_table& saved, std::vector<keeper_entry> held,
                         bool keeper_is_new, const std::function<void(pid_t)>& forget_held) {
  next_default_ = std::max(next_default_, saved.next_default);
  std::vector<std::pair<pid_t, int>> exits;
  for (const auto& p : saved.processes) restore_one(p, held, keeper_is_new, exits);
  for (auto& e : held) {
    if (e.pid <= 0) continue;
    // An earlier run's descendants may still write to its pipes: their output goes on into
    // the same logs.
    if (process_record* r = lookup(e.name); r && r->output)
      r->output->adopt_run({std::move(e.out), std::move(e.err)});
    if (e.exited)
      forget_held(e.pid);
    else
      log::warning(
          "the keeper holds pid {} ('{}'), which no record names: left running, "
          "not supervised",
          e.pid, e.name);
  }
  log::info("restored {} process record(s), {} running", saved.processes.size(), by_pid_.size());
  // Exits the keeper saw while no daemon ran: told now, exactly as if just reaped.
  for (auto [pid, wait_status] : exits) on_reaped(pid, wait_status);
}

}  // namespace shoal
