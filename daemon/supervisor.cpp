#include "daemon/supervisor.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <filesystem>

#include "common/names.hpp"
#include "common/natural_order.hpp"
#include "common/signals.hpp"
#include "daemon/child_environment.hpp"
#include "daemon/log.hpp"
#include "daemon/run_as.hpp"

extern char** environ;

namespace shoal {
namespace {

using std::chrono::duration;
using std::chrono::duration_cast;

std::chrono::steady_clock::duration seconds(double s) {
  return duration_cast<std::chrono::steady_clock::duration>(duration<double>(s));
}

std::string describe_argv(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

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

supervisor::supervisor(process_host& host, timer_service& timers, process_logs& logs,
                       supervisor_options options)
    : host_(host), timers_(timers), logs_(logs), options_(std::move(options)) {}

supervisor::~supervisor() {
  for (auto& [name, r] : records_) {
    timers_.cancel(r->kill_timer);
    timers_.cancel(r->restart_timer);
  }
}

void supervisor::subscribe(subscriber fn) { subscribers_.push_back(std::move(fn)); }

void supervisor::declare(const std::string& name, process_spec spec) {
  declared_[name] = std::move(spec);
}

void supervisor::undeclare(const std::string& name) { declared_.erase(name); }

std::vector<const process_record*> supervisor::records() const {
  std::vector<const process_record*> out;
  out.reserve(records_.size());
  for (const auto& [name, r] : records_) out.push_back(r.get());
  return out;
}

std::vector<std::string> supervisor::declared_names() const {
  std::vector<std::string> out;
  out.reserve(declared_.size());
  for (const auto& [name, spec] : declared_) out.push_back(name);
  return out;
}

result<const process_record*, start_error> supervisor::start_again(const std::string& name,
                                                                   process_spec spec) {
  const process_record* old = find(name);
  int restarts = old ? old->restart_count + 1 : 0;
  auto started = start(name, std::move(spec));
  if (!started) return started;
  if (process_record* r = lookup(name)) r->restart_count = restarts;
  changed(name);
  return started;
}

const process_spec* supervisor::declared(const std::string& name) const {
  auto it = declared_.find(name);
  return it == declared_.end() ? nullptr : &it->second;
}

void supervisor::add_child_env(std::string entry) { child_env_.push_back(std::move(entry)); }

void supervisor::tell(supervisor_event::kind what, const process_record& r, double delay,
                      int attempt) {
  supervisor_event event{what, r, delay, attempt};
  for (const auto& fn : subscribers_) fn(event);
}

void supervisor::transition(process_record& r, process_event event) {
  auto next = next_state(r.state, event);
  if (!next) {
    log::error("'{}': {} cannot happen while {}; ignored", r.name, to_string(event),
               to_string(r.state));
    return;
  }
  r.state = *next;
  changed(r.name);
}

void supervisor::changed(const std::string& name) {
  if (on_change_) on_change_(name);
}

process_record* supervisor::lookup(const std::string& name) {
  auto it = records_.find(name);
  return it == records_.end() ? nullptr : it->second.get();
}

const process_record* supervisor::find(const std::string& name) const {
  auto it = records_.find(name);
  return it == records_.end() ? nullptr : it->second.get();
}

std::string supervisor::next_default_name() {
  // Like Python's Process-N: the counter only goes up, and skips names already taken.
  for (;;) {
    std::string name = "Process-" + std::to_string(next_default_++);
    if (!records_.count(name)) return name;
  }
}

result<const process_record*, start_error> supervisor::start(std::optional<std::string> given,
                                                             process_spec spec) {
  using refused = start_error::kind;
  const std::string named = given.value_or("");
  if (shutting_down_) return start_error{refused::shutting_down, named};
  if (spec.argv.empty() && given)
    if (auto declared = declared_.find(*given); declared != declared_.end())
      spec = declared->second;
  if (!valid_argv(spec.argv)) return start_error{refused::bad_argv, named};
  if (spec.cwd.find('\0') != std::string::npos) return start_error{refused::bad_cwd, named};
  if (const auto* bad = invalid_env_entry(spec.env))
    return start_error{refused::bad_env, named, 0, bad->first};

  std::string name = given ? *given : next_default_name();
  process_record* old = lookup(name);
  if (old && !old->done()) {
    if (old->state == process_state::backoff) return start_error{refused::waiting_to_restart, name};
    return start_error{refused::already_running, name, old->pid};
  }
  if (spec.cwd.empty()) {
    std::error_code ec;
    spec.cwd = std::filesystem::current_path(ec).string();
  }

  log_limits limits = logs_.limits_for(spec);
  auto output = logs_.output_for(name, old ? old->output : nullptr, limits);
  if (!output) return start_error{refused::no_output, name, 0, {}, output.error()};
  auto child = spawn_child(name, spec, **output);
  if (!child) {
    // A name that never ran leaves no log files behind: nothing owns them and no `remove`
    // would ever find them. Files with bytes in them (an earlier daemon's) stay.
    if (!(old && old->output)) {
      process_output& unused = **output;
      unused.close();
      if (unused.stream(output_stream::out).end() == 0 &&
          unused.stream(output_stream::err).end() == 0)
        unused.remove_files();
    }
    return child.error();
  }
  (*output)->set_limits(limits);  // only now: a refused start changes nothing

  auto r = std::make_unique<process_record>();
  r->name = name;
  r->pid = child->pid;
  r->pidfd = std::move(child->pidfd);
  r->start_ticks = child->start_ticks;
  r->output = std::move(*output);
  r->uid = spec.uid.value_or(::geteuid());
  r->gid = spec.gid.value_or(::getegid());
  r->user = user_name(r->uid);
  r->group = group_name(r->gid);
  r->restarts = restart_tracker(spec.restart);
  r->spec = std::move(spec);
  r->started_at = timers_.wall_now();
  r->run_started = timers_.now();
  r->start_order = next_start_order_++;
  process_record& rec = *r;
  records_[name] = std::move(r);  // replaces a done record of the same name
  by_pid_[rec.pid] = &rec;
  changed(name);
  log::info("started '{}' (pid {}): {}", name, rec.pid, describe_argv(rec.spec.argv));
  tell(supervisor_event::kind::started, rec);
  return &rec;
}

result<spawned_child, start_error> supervisor::spawn_child(const std::string& name,
                                                           const process_spec& spec,
                                                           process_output& output) {
  // The daemon keeps only the read ends: once the child (and whatever inherits its output)
  // has exited, the pipes reach end of file.
  auto pipes = output.attach_run();
  if (!pipes) {
    log::warning("unable to start '{}': {}", name, pipes.error().message());
    return start_error{start_error::kind::no_pipes, name, 0, {}, pipes.error()};
  }
  spawn_request req;
  req.env = environment_for(environ, name, spec.env, options_.socket_path, child_env_);
  req.argv = spec.exec_argv.empty() ? spec.argv : spec.exec_argv;
  // A process behind setpriv enters its working directory itself, as its own account
  // (run_as::wrap); the daemon entering it first would let it through closed directories.
  if (spec.exec_argv.empty()) req.cwd = spec.cwd;
  req.stdout_fd = pipes->write[0].get();
  req.stderr_fd = pipes->write[1].get();
  req.name = name;
  req.stdout_read_fd = pipes->read[0];
  req.stderr_read_fd = pipes->read[1];
  auto child = host_.spawn(req);
  if (!child) {
    log::warning("unable to spawn '{}': {}", name, child.error().message());
    return start_error{start_error::kind::spawn_failed, name, 0, {}, child.error()};
  }
  host_.log_limits_of(child->pid, logs_.limits_for(spec));
  return std::move(*child);
}

result<std::vector<const process_record*>> supervisor::list(
    const std::vector<std::string>& names) const {
  std::vector<const process_record*> out;
  if (names.empty()) {
    out = records();
    std::sort(out.begin(), out.end(), [](const process_record* a, const process_record* b) {
      return natural_less(a->name, b->name);
    });
    return out;
  }
  for (const auto& name : names) {
    const process_record* r = find(name);
    if (!r) return status{errc::not_found, "no process named '" + name + "'"};
    out.push_back(r);
  }
  return out;
}

void supervisor::signal_group(process_record& r, int signo) {
  host_.signal_group(r.pid, signo);
  // The leader may have left its group (setsid); the pidfd reaches it wherever it is.
  if (r.pidfd) host_.signal_process(r.pidfd.get(), signo);
}

void supervisor::begin_stop(process_record& r, double grace) {
  if (r.state == process_state::backoff) {
    timers_.cancel(std::exchange(r.restart_timer, 0));
    r.next_attempt_at.reset();
    transition(r, process_event::stop);
    log::info("stopped '{}': restart cancelled", r.name);
    tell(supervisor_event::kind::restart_cancelled, r);
    finish(r);
    return;
  }
  auto deadline = timers_.now() + seconds(grace);
  if (r.state == process_state::running) {
    transition(r, process_event::stop);
    log::info("stopping '{}' (pid {}): {}, SIGKILL in {} s", r.name, r.pid,
              signal_name(r.spec.stop_signal), grace);
    host_.will_stop(r.pid);
    signal_group(r, r.spec.stop_signal);
    // A stopped (SIGSTOP, SIGTSTP) process cannot act on the stop signal until it runs again;
    // without this it would always end by SIGKILL. systemd does the same.
    if (r.spec.stop_signal != SIGCONT) signal_group(r, SIGCONT);
  } else if (r.kill_deadline <= deadline) {
    return;  // stopping already, with an earlier (or past) escalation
  }
  timers_.cancel(r.kill_timer);
  r.kill_deadline = deadline;
  r.kill_timer =
      timers_.call_at(deadline, [this, name = r.name, pid = r.pid] { escalate(name, pid); });
}

void supervisor::escalate(const std::string& name, pid_t pid) {
  process_record* r = lookup(name);
  if (!r || r->pid != pid || !r->alive()) return;
  r->kill_timer = 0;
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
  int err = group ? host_.signal_group(r->pid, signo) : host_.signal_process(r->pidfd.get(), signo);
  if (err != 0 && err != ESRCH)
    return status::from_errno(errc::internal,
                              "unable to send " + signal_name(signo) + " to '" + name + "'", err);
  log::info("sent {} to '{}' (pid {}{})", signal_name(signo), name, r->pid,
            group ? ", whole group" : "");
  return r;
}

status supervisor::remove(const std::string& name) {
  process_record* r = lookup(name);
  if (!r) return {errc::not_found, "no process named '" + name + "'"};
  if (!r->done())
    return {errc::invalid_state, "process '" + name + "' is still " +
                                     (r->alive() ? "running" : "waiting to restart") +
                                     "; stop it first"};
  tell(supervisor_event::kind::removed, *r);
  forget(records_.find(name));
  return {};
}

void supervisor::before_reap(pid_t pid) {
  auto it = by_pid_.find(pid);
  if (it != by_pid_.end() && it->second->state == process_state::stopping)
    host_.signal_group(pid, SIGKILL);
}

bool supervisor::on_reaped(pid_t pid, int wait_status) {
  auto it = by_pid_.find(pid);
  if (it == by_pid_.end()) return false;
  process_record& r = *it->second;
  // Everything it wrote is in its pipes by now: logged before anyone hears that it ended.
  if (r.output) r.output->drain();
  if (WIFSIGNALED(wait_status)) {
    r.term_signal = WTERMSIG(wait_status);
    r.exitcode = -*r.term_signal;
    r.core_dumped = WCOREDUMP(wait_status);
  } else {
    r.exitcode = WEXITSTATUS(wait_status);
  }
  r.ended_at = timers_.wall_now();
  r.pidfd.reset();
  timers_.cancel(std::exchange(r.kill_timer, 0));
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

void supervisor::judge_run(process_record& r, bool failed) {
  auto d = r.restarts.on_exit(r.run_started, timers_.now(), failed);
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
  r.next_attempt_at = timers_.wall_now() + duration_cast<std::chrono::system_clock::duration>(
                                               duration<double>(d.delay_seconds));
  timers_.cancel(r.restart_timer);
  r.restart_timer =
      timers_.call_at(timers_.now() + seconds(d.delay_seconds), [this, name = r.name, rec = &r] {
        // The record may have left backoff (stop) or been replaced since the timer was set.
        if (lookup(name) != rec || rec->state != process_state::backoff) return;
        rec->restart_timer = 0;
        respawn(*rec);
      });
  log::info("'{}' restarts in {} s (attempt {})", r.name, std::round(d.delay_seconds * 1000) / 1000,
            d.attempt);
  tell(supervisor_event::kind::restarting, r, d.delay_seconds, d.attempt);
}

void supervisor::respawn(process_record& r) {
  r.next_attempt_at.reset();
  if (shutting_down_) return;
  r.run_started = timers_.now();  // a failed spawn is a run of no length, never a healthy one
  auto child = spawn_child(r.name, r.spec, *r.output);
  if (!child) {
    judge_run(r, true);  // a run that could not even start is a failed one
    if (r.done()) finish(r);
    return;
  }
  r.pid = child->pid;
  r.pidfd = std::move(child->pidfd);
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
}

void supervisor::evict_exited() {
  // Thousands of children end together when the daemon shuts down; evicting after each one
  // would cost time quadratic in their number. check_shutdown_done() evicts once, at the end.
  if (!shutting_down_) evict_oldest_exited();
}

void supervisor::evict_oldest_exited() {
  using entry = decltype(records_)::iterator;
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

void supervisor::forget(std::map<std::string, std::unique_ptr<process_record>>::iterator it) {
  // Its logs go with it; a descendant still writing to its pipes gets EPIPE from now on.
  if (auto& output = it->second->output) {
    output->close();
    output->remove_files();
    output->wake();  // followers learn it is gone
  }
  std::string name = it->first;
  records_.erase(it);
  changed(name);
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

std::size_t supervisor::running_count() const { return by_pid_.size(); }

std::size_t supervisor::exited_count() const {
  return static_cast<std::size_t>(std::count_if(records_.begin(), records_.end(),
                                                [](const auto& kv) { return kv.second->done(); }));
}

}  // namespace shoal
