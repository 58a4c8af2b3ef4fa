// The supervisor's side of a daemon restart: what it saves of each record, and how it takes
// the records back (docs/restore.md).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <set>

#include "common/names.hpp"
#include "daemon/accounts.hpp"
#include "daemon/file_text.hpp"
#include "daemon/log.hpp"
#include "daemon/supervisor.hpp"

namespace shoal {
namespace {

std::string unverified(pid_t pid, const std::string& why) {
  return "pid " + std::to_string(pid) + " could not be verified as the process this record " +
         "started: " + why + "; it was not signalled";
}

// When a process started, from its start time in clock ticks after boot.
std::chrono::system_clock::time_point started_at_from_ticks(
    std::uint64_t ticks, std::chrono::system_clock::time_point now) {
  timespec boot{};
  long hz = ::sysconf(_SC_CLK_TCK);
  if (::clock_gettime(CLOCK_BOOTTIME, &boot) != 0 || hz <= 0) return now;
  double age = static_cast<double>(boot.tv_sec) + static_cast<double>(boot.tv_nsec) / 1e9 -
               static_cast<double>(ticks) / static_cast<double>(hz);
  return now - std::chrono::duration_cast<std::chrono::system_clock::duration>(
                   std::chrono::duration<double>(std::max(age, 0.0)));
}

// What /proc still tells of a child whose start no record holds: its command line, working
// directory and owner. The rest of its spec (environment, restart policy) is unknown.
void fill_from_proc(saved_process& p) {
  std::string dir = "/proc/" + std::to_string(p.pid);
  std::string raw = read_file_text(dir + "/cmdline").value_or(std::string());
  for (std::size_t at = 0; at < raw.size();) {
    std::size_t end = raw.find('\0', at);
    if (end == std::string::npos) end = raw.size();
    p.spec.argv.push_back(raw.substr(at, end - at));
    at = end + 1;
  }
  if (p.spec.argv.empty()) p.spec.argv.push_back(p.name);
  char cwd[4096];
  if (ssize_t n = ::readlink((dir + "/cwd").c_str(), cwd, sizeof cwd - 1); n > 0)
    p.spec.cwd.assign(cwd, static_cast<std::size_t>(n));
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    p.uid = st.st_uid;
    p.gid = st.st_gid;
    p.user = user_name(st.st_uid);
    p.group = group_name(st.st_gid);
  }
}

}  // namespace

// A child the keeper spawned in the instant before the daemon ended, before the record file
// held its start, is still one the daemon started: it gets a record, so that it is
// supervised, stopped at shutdown, and its exit reported, instead of running on unseen.
// It is the next run of a record of its name that is not alive (a restart, or a start that
// replaced an exited record), or else a record of its own.
void supervisor::add_missed(saved_table& table, const keeper_entry& e) {
  auto same = std::find_if(table.processes.begin(), table.processes.end(),
                           [&](const saved_process& p) { return p.name == e.name; });
  saved_process p;
  if (same != table.processes.end() && !is_alive(same->state)) {
    p = *same;
    if (p.state == process_state::backoff) ++p.restart_count;
    p.exitcode.reset();
    p.term_signal = 0;
    p.core_dumped = false;
    p.escalated = false;
    p.ended_at.reset();
    p.next_attempt_at.reset();
    p.lost_reason.clear();
  } else {
    p.name = is_valid_name(e.name) && same == table.processes.end()
                 ? e.name
                 : "pid-" + std::to_string(e.pid);
    if (std::any_of(table.processes.begin(), table.processes.end(),
                    [&](const saved_process& q) { return q.name == p.name; }))
      return;
    p.pid = e.pid;
    fill_from_proc(p);
    p.start_order = next_start_order_++;
  }
  p.pid = e.pid;
  p.start_ticks = e.start_ticks;
  p.state = process_state::running;
  p.started_at = started_at_from_ticks(e.start_ticks, timers_.wall_now());
  log::warning(
      "the keeper holds pid {} ('{}'), started just before the last daemon ended and missing "
      "from the record file: adopted as '{}'",
      e.pid, e.name, p.name);
  if (same != table.processes.end() && !is_alive(same->state))
    *same = std::move(p);
  else
    table.processes.push_back(std::move(p));
}

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
  r->run().started =
      timers_.now() - std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                          std::max(up, std::chrono::system_clock::duration::zero()));
  log_limits limits = logs_.limits_for(p.spec);
  if (!p.spec.logs) {
    // Nothing to open, and nothing the keeper keeps.
  } else if (auto output = logs_.restored_output(p.name, limits)) {
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
      r->run().pidfd = std::move(it->pidfd);
      if (r->output) r->output->adopt_run({std::move(it->out), std::move(it->err)});
      by_pid_[r->pid] = r.get();
      if (!it->exited && r->output) host_.log_limits_of(r->pid, limits);
      if (it->exited) {
        exits.emplace_back(it->pid, it->wait_status);
      } else if (p.state == process_state::stopping) {
        host_.will_stop(r->pid);
        double grace = p.spec.stop_timeout.value_or(options_.stop_grace_seconds);
        r->run().kill_deadline = timers_.now() + seconds_of(grace);
        r->run().kill_timer = timers_.call_at(
            r->run().kill_deadline, [this, name = r->name, pid = r->pid] { escalate(name, pid); });
      }
      it->pid = -1;  // taken
    }
    if (r->state == process_state::lost) log::warning("'{}' is lost: {}", p.name, r->lost_reason);
  } else if (p.state == process_state::backoff) {
    auto wait = p.next_attempt_at.value_or(timers_.wall_now()) - timers_.wall_now();
    wait = std::max(wait, std::chrono::system_clock::duration::zero());
    r->next_attempt_at = timers_.wall_now() + wait;
    process_record* rec = r.get();
    r->run().restart_timer = timers_.call_at(
        timers_.now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait),
        [this, name = p.name, rec] {
          if (lookup(name) != rec || rec->state != process_state::backoff) return;
          rec->run().restart_timer = 0;
          respawn(*rec);
        });
  }
  if (r->done()) {
    // Nothing will run or restart it on its own: it keeps what a record that ended under this
    // daemon keeps.
    release_if_quiet(*r);
    r->end_run();
  }
  records_.put(p.name, std::move(r));
}

void supervisor::restore(saved_table saved, std::vector<keeper_entry> held, bool keeper_is_new,
                         const std::function<void(pid_t)>& forget_held) {
  next_default_ = std::max(next_default_, saved.next_default);
  for (const auto& p : saved.processes)
    next_start_order_ = std::max(next_start_order_, p.start_order + 1);
  std::set<pid_t> named;
  for (const auto& p : saved.processes)
    if (p.pid > 0) named.insert(p.pid);
  for (const auto& e : held) {
    if (e.pid <= 0 || named.contains(e.pid)) continue;
    // An exit no record names may be an earlier run's whose record moved on before the
    // keeper was told to forget it; only a name no record has can be a missed start.
    bool name_known = std::any_of(saved.processes.begin(), saved.processes.end(),
                                  [&](const saved_process& p) { return p.name == e.name; });
    if (!e.exited || !name_known) add_missed(saved, e);
  }
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
  for (auto& [name, r] : records_) release_if_quiet(*r);
  log::info("restored {} process record(s), {} running", saved.processes.size(), by_pid_.size());
  // Exits the keeper saw while no daemon ran: told now, exactly as if just reaped, and then
  // forgotten by the keeper like any other exit, once saved.
  for (auto [pid, wait_status] : exits) {
    on_reaped(pid, wait_status);
    forget_held(pid);
  }
}

}  // namespace shoal
