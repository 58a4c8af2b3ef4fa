#include "daemon/supervisor.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <asio/post.hpp>

#include "daemon/child_environment.hpp"
#include "daemon/log.hpp"
#include "common/names.hpp"
#include "daemon/run_as.hpp"
#include "common/signals.hpp"
#include "common/time_format.hpp"

extern char** environ;

namespace shoal {
namespace {

using std::chrono::duration;
using std::chrono::duration_cast;
using std::chrono::steady_clock;

steady_clock::duration seconds(double s) {
  return duration_cast<steady_clock::duration>(duration<double>(s));
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

bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

// Children of the daemon that no record owns: orphans it adopted as a subreaper, such as the
// rest of a group whose leader was killed alone. Signalling them is safe until they are reaped,
// which only this thread does.
std::vector<pid_t> adopted_children(const std::unordered_map<pid_t, process_record*>& known) {
  std::vector<pid_t> out;
  const pid_t self = ::getpid();
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text;
    std::getline(stat, text);
    auto paren = text.rfind(')');  // the command name may hold spaces and parentheses
    if (paren == std::string::npos || paren + 2 > text.size()) continue;
    std::istringstream rest(text.substr(paren + 2));
    char state = 0;
    long ppid = 0;
    if (!(rest >> state >> ppid)) continue;
    pid_t pid = static_cast<pid_t>(std::stol(name));
    if (ppid == self && state != 'Z' && !known.count(pid)) out.push_back(pid);
  }
  return out;
}

}  // namespace

supervisor::supervisor(asio::io_context& io, spawner& spawn, supervisor_options options)
    : io_(io), spawner_(spawn), options_(std::move(options)) {
  auto logs = log_directory::open(options_.log_dir);
  if (logs) logs_ = std::move(*logs);
  else logs_status_ = logs.error();
}

supervisor::~supervisor() {
  for (auto& [name, r] : records_) {
    if (r->kill_timer) r->kill_timer->cancel();
    if (r->restart_timer) r->restart_timer->cancel();
  }
}

void supervisor::declare(const std::string& name, start_params params) {
  params.name = name;
  declared_[name] = std::move(params);
}

void supervisor::undeclare(const std::string& name) { declared_.erase(name); }

void supervisor::emit(std::string_view type, const process_record& r, json fields) {
  if (!events_) return;
  if (!r.program.empty()) fields["program"] = r.program;
  events_->publish(type, r.name, std::move(fields));
}

void supervisor::add_child_env(std::string entry) { child_env_.push_back(std::move(entry)); }

void supervisor::changed() {
  if (on_change_) on_change_();
}

process_record* supervisor::lookup(const std::string& name) {
  auto it = records_.find(name);
  return it == records_.end() ? nullptr : it->second.get();
}

const process_record* supervisor::find(const std::string& name) const {
  auto it = records_.find(name);
  return it == records_.end() ? nullptr : it->second.get();
}

const start_params* supervisor::declared(const std::string& name) const {
  auto it = declared_.find(name);
  return it == declared_.end() ? nullptr : &it->second;
}

std::string supervisor::next_default_name() {
  // Like Python's Process-N: the counter only goes up, and skips names already taken.
  for (;;) {
    std::string name = "Process-" + std::to_string(next_default_++);
    if (!records_.count(name)) return name;
  }
}

result<json> supervisor::start(start_params params) {
  if (shutting_down_) return status{errc::invalid_state, "the daemon is shutting down"};
  if (params.argv.empty() && params.name) {
    auto declared = declared_.find(*params.name);
    if (declared != declared_.end()) params = declared->second;
  }
  if (params.argv.empty() || params.argv[0].empty())
    return status{errc::bad_request,
                  "field 'argv' must be a non-empty array of strings (or 'name' a declared program)"};
  for (const auto& a : params.argv)
    if (has_nul(a)) return status{errc::bad_request, "field 'argv' must not contain NUL bytes"};
  if (has_nul(params.cwd)) return status{errc::bad_request, "field 'cwd' must not contain NUL bytes"};
  for (const auto& [k, v] : params.env)
    if (k.empty() || k.find('=') != std::string::npos || has_nul(k) || has_nul(v))
      return status{errc::bad_request,
                    "field 'env' has an invalid variable name '" + k + "' (empty, or has '=' or NUL)"};

  std::string name = params.name ? *params.name : next_default_name();
  process_record* old = lookup(name);
  if (old && !old->done()) {
    if (old->state == process_state::backoff)
      return status{errc::already_exists,
                    "a process named '" + name + "' is waiting to restart; stop it first"};
    return status{errc::already_exists,
                  "a process named '" + name + "' is already running (pid " + std::to_string(old->pid) + ")"};
  }
  if (params.cwd.empty()) {
    std::error_code ec;
    params.cwd = std::filesystem::current_path(ec).string();
  }

  if (!logs_) return status{errc::spawn_failed, "unable to start '" + name + "': " + logs_status_.message()};
  log_limits limits = options_.default_log_limits;
  if (params.log_max_bytes) limits.max_bytes = *params.log_max_bytes;
  if (params.log_backups) limits.backups = *params.log_backups;
  // A new run of a name goes on in the same logs, at the same offsets, as the runs before it.
  std::shared_ptr<process_output> output = old ? old->output : nullptr;
  if (!output) {
    auto opened = process_output::open(io_, logs_, name, limits);
    if (!opened) {
      status failed{errc::spawn_failed, "unable to start '" + name + "': " + opened.error().message()};
      log::warning("{}", failed.message());
      return failed;
    }
    output = std::move(*opened);
  }

  auto child = spawn_child(name, params, *output);
  if (!child) {
    log::warning("{}", child.error().message());
    return child.error();
  }
  output->set_limits(limits);  // only now: a refused start changes nothing

  auto r = std::make_unique<process_record>();
  r->name = name;
  r->pid = child->pid;
  r->pidfd = std::move(child->pidfd);
  r->output = std::move(output);
  r->argv = std::move(params.argv);
  r->cwd = params.cwd;
  r->exec_argv = std::move(params.exec_argv);
  r->uid = params.uid.value_or(::geteuid());
  r->gid = params.gid.value_or(::getegid());
  r->user = user_name(r->uid);
  r->group = group_name(r->gid);
  r->env = std::move(params.env);
  r->program = std::move(params.program);
  r->stop_signal = params.stop_signal;
  r->stop_timeout = params.stop_timeout;
  r->restarts = restart_tracker(params.restart);
  r->started_at = std::chrono::system_clock::now();
  r->run_started = steady_clock::now();
  r->start_order = next_start_order_++;
  process_record& rec = *r;
  records_[name] = std::move(r);  // replaces a done record of the same name
  by_pid_[rec.pid] = &rec;
  log::info("started '{}' (pid {}): {}", name, rec.pid, describe_argv(rec.argv));
  emit("started", rec, {{"pid", rec.pid}});
  changed();
  return to_json(rec);
}

result<spawned_child> supervisor::spawn_child(const std::string& name, const start_params& params,
                                             process_output& output) {
  // The daemon keeps only the read ends: once the child (and whatever inherits its output)
  // has exited, the pipes reach end of file.
  auto pipes = output.attach_run();
  if (!pipes)
    return status{errc::spawn_failed, "unable to start '" + name + "': " + pipes.error().message()};

  child_environment env;
  env.set_all(environ);
  for (const auto& [k, v] : params.env) env.set(k, v);  // the last of duplicates wins
  // Last: what the daemon sets replaces whatever the caller asked for under these names.
  env.set("SHOAL_SOCKET", options_.socket_path);
  env.set("SHOAL_NAME", name);
  for (const auto& e : child_env_) env.set(e);
  spawn_request req;
  req.env = env.entries();
  req.argv = params.exec_argv.empty() ? params.argv : params.exec_argv;
  // A process behind setpriv enters its working directory itself, as its own account
  // (run_as::wrap); the daemon entering it first would let it through closed directories.
  if (params.exec_argv.empty()) req.cwd = params.cwd;
  req.stdout_fd = (*pipes)[0].get();
  req.stderr_fd = (*pipes)[1].get();

  auto child = spawner_.spawn(req);
  if (!child)
    return status{child.error().code(), "unable to spawn '" + name + "': " + child.error().message()};
  return child;
}

void supervisor::join(const std::string& name, std::optional<double> timeout, const responder& reply) {
  process_record* r = lookup(name);
  if (!r) return reply.fail(errc::not_found, "no process named '" + name + "'");
  if (r->done()) return reply.ok(to_json(*r));
  join_waiter w{next_waiter_id_++, reply, nullptr};
  if (timeout) {
    w.deadline = std::make_shared<asio::steady_timer>(io_, seconds(*timeout));
    double limit = *timeout;
    w.deadline->async_wait([this, name, id = w.id, limit](const std::error_code& ec) {
      if (ec) return;  // answered or dropped before the deadline
      process_record* rec = lookup(name);
      if (!rec) return;
      auto& js = rec->joiners;
      auto it = std::find_if(js.begin(), js.end(), [&](const join_waiter& j) { return j.id == id; });
      if (it == js.end()) return;
      responder waiting = it->reply;
      js.erase(it);
      waiting.fail(errc::timeout, log::format("process '{}' still running after {} s", name, limit));
    });
  }
  r->joiners.push_back(std::move(w));
}

result<json> supervisor::list(const std::vector<std::string>& names) const {
  json list = json::array();
  if (names.empty()) {
    for (const auto& [name, r] : records_) list.push_back(to_json(*r));
  } else {
    for (const auto& name : names) {
      const process_record* r = find(name);
      if (!r) return status{errc::not_found, "no process named '" + name + "'"};
      list.push_back(to_json(*r));
    }
  }
  return json{{"processes", std::move(list)}};
}

void supervisor::signal_group(process_record& r, int signo) {
  // While the leader is unreaped its pid, and so the group id, cannot be reused.
  ::kill(-r.pid, signo);
  // The leader may have left its group (setsid); the pidfd reaches it wherever it is.
  if (r.pidfd) pidfd_send_signal(r.pidfd.get(), signo);
}

void supervisor::begin_stop(process_record& r, double grace) {
  if (r.state == process_state::backoff) {
    if (r.restart_timer) r.restart_timer->cancel();
    r.next_attempt_at.reset();
    r.state = process_state::exited;
    log::info("stopped '{}': restart cancelled", r.name);
    emit("stopped", r, {{"restart_cancelled", true}});
    answer_waiters(r);
    changed();
    return;
  }
  auto deadline = steady_clock::now() + seconds(grace);
  if (r.state == process_state::running) {
    r.state = process_state::stopping;
    log::info("stopping '{}' (pid {}): {}, SIGKILL in {} s", r.name, r.pid, signal_name(r.stop_signal),
              grace);
    signal_group(r, r.stop_signal);
    // A stopped (SIGSTOP, SIGTSTP) process cannot act on the stop signal until it runs again;
    // without this it would always end by SIGKILL. systemd does the same.
    if (r.stop_signal != SIGCONT) signal_group(r, SIGCONT);
    changed();
  } else if (r.kill_timer && r.kill_timer->expiry() <= deadline) {
    return;  // an earlier escalation is already scheduled
  }
  if (!r.kill_timer) r.kill_timer = std::make_unique<asio::steady_timer>(io_);
  r.kill_timer->expires_at(deadline);
  r.kill_timer->async_wait([this, name = r.name, pid = r.pid](const std::error_code& ec) {
    if (ec) return;
    process_record* rec = lookup(name);
    if (!rec || rec->pid != pid || !rec->alive()) return;
    rec->escalated = true;
    log::warning("'{}' (pid {}) still alive after the grace period: SIGKILL", name, pid);
    signal_group(*rec, SIGKILL);
  });
}

void supervisor::stop(const std::string& name, std::optional<double> grace, const responder& reply) {
  process_record* r = lookup(name);
  if (!r) return reply.fail(errc::not_found, "no process named '" + name + "'");
  if (r->done()) return reply.ok(to_json(*r));
  r->stop_waiters.push_back(reply);
  begin_stop(*r, grace.value_or(r->stop_timeout.value_or(options_.stop_grace_seconds)));
}

result<json> supervisor::kill(const std::string& name, int signo, bool group) {
  process_record* r = lookup(name);
  if (!r) return status{errc::not_found, "no process named '" + name + "'"};
  if (!r->alive())
    return status{errc::invalid_state, "process '" + name + "' is not running (state " +
                                           std::string(to_string(r->state)) + "); nothing to signal"};
  int rc = group ? ::kill(-r->pid, signo) : pidfd_send_signal(r->pidfd.get(), signo);
  if (rc != 0 && errno != ESRCH)
    return status::from_errno(errc::internal, "unable to send " + signal_name(signo) + " to '" + name + "'", errno);
  log::info("sent {} to '{}' (pid {}{})", signal_name(signo), name, r->pid, group ? ", whole group" : "");
  return to_json(*r);
}

status supervisor::remove(const std::string& name) {
  process_record* r = lookup(name);
  if (!r) return {errc::not_found, "no process named '" + name + "'"};
  if (!r->done())
    return {errc::invalid_state, "process '" + name + "' is still " +
                                     (r->alive() ? "running" : "waiting to restart") + "; stop it first"};
  forget(records_.find(name));
  changed();
  return {};
}

void supervisor::reap() {
  // SIGCHLD merges, so one delivery may stand for many children: loop until none is left.
  for (int round = 0; round < 100000; ++round) {
    siginfo_t info{};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      if (errno == EINTR) continue;
      return;  // ECHILD: no children at all
    }
    if (info.si_pid == 0) return;
    pid_t pid = info.si_pid;
    auto it = by_pid_.find(pid);
    process_record* r = it == by_pid_.end() ? nullptr : it->second;
    // The zombie leader still pins the group id: this is the last moment a stopped
    // process's stragglers (grandchildren that ignored SIGTERM) can be killed safely.
    if (r && r->state == process_state::stopping) ::kill(-pid, SIGKILL);
    int wait_status = 0;
    pid_t got;
    do got = ::waitpid(pid, &wait_status, WNOHANG);
    while (got < 0 && errno == EINTR);
    if (got != pid) return;
    if (r) on_reaped(*r, wait_status);
    else log::debug("reaped orphaned descendant (pid {})", pid);
  }
}

void supervisor::on_reaped(process_record& r, int wait_status) {
  // Everything it wrote is in its pipes by now: logged before anyone hears that it ended.
  if (r.output) r.output->drain();
  if (WIFSIGNALED(wait_status)) {
    r.term_signal = WTERMSIG(wait_status);
    r.exitcode = -*r.term_signal;
    r.core_dumped = WCOREDUMP(wait_status);
  } else {
    r.exitcode = WEXITSTATUS(wait_status);
  }
  bool stopped = r.state == process_state::stopping || shutting_down_;
  r.ended_at = std::chrono::system_clock::now();
  r.pidfd.reset();
  if (r.kill_timer) r.kill_timer->cancel();
  by_pid_.erase(r.pid);
  log::info("'{}' (pid {}) {}", r.name, r.pid, describe_exit(r));
  json ended = {{"pid", r.pid},
                {"exitcode", *r.exitcode},
                {"signal", r.term_signal ? json(signal_name(*r.term_signal)) : json(nullptr)}};
  if (stopped) {
    r.state = process_state::exited;  // a stopped run never restarts
    emit("stopped", r, std::move(ended));
  } else {
    emit("exited", r, std::move(ended));
    after_run(r, *r.exitcode != 0);
  }
  // In backoff the process is not done yet: its joiners wait for the final outcome.
  if (r.done()) answer_waiters(r);
  changed();
  evict_exited();
  check_shutdown_done();
}

void supervisor::after_run(process_record& r, bool failed) {
  auto d = r.restarts.on_exit(r.run_started, steady_clock::now(), failed);
  switch (d.what) {
    case restart_tracker::decision::kind::none:
      r.state = process_state::exited;
      return;
    case restart_tracker::decision::kind::fatal:
      r.state = process_state::fatal;
      log::warning("'{}' gave up: more than {} restarts within {} s", r.name,
                   r.restarts.settings().max_restarts, r.restarts.settings().window_seconds);
      emit("fatal", r, {{"restarts", r.restarts.recent_restarts()},
                        {"restart_max", r.restarts.settings().max_restarts},
                        {"restart_window", r.restarts.settings().window_seconds}});
      return;
    case restart_tracker::decision::kind::restart:
      break;
  }
  r.state = process_state::backoff;
  r.next_attempt_at = std::chrono::system_clock::now() +
                      duration_cast<std::chrono::system_clock::duration>(duration<double>(d.delay_seconds));
  if (!r.restart_timer) r.restart_timer = std::make_unique<asio::steady_timer>(io_);
  r.restart_timer->expires_after(seconds(d.delay_seconds));
  r.restart_timer->async_wait([this, name = r.name, rec = &r](const std::error_code& ec) {
    if (ec) return;
    // The record may have left backoff (stop) or been replaced since the timer was set.
    if (lookup(name) != rec || rec->state != process_state::backoff) return;
    respawn(*rec);
  });
  log::info("'{}' restarts in {} s (attempt {})", r.name, std::round(d.delay_seconds * 1000) / 1000, d.attempt);
  emit("restarting", r, {{"delay", d.delay_seconds},
                         {"attempt", d.attempt},
                         {"next_attempt_at", to_rfc3339(*r.next_attempt_at)}});
}

void supervisor::respawn(process_record& r) {
  r.next_attempt_at.reset();
  if (shutting_down_) return;
  start_params p;
  p.argv = r.argv;
  p.cwd = r.cwd;
  p.env = r.env;
  p.exec_argv = r.exec_argv;
  r.run_started = steady_clock::now();  // a failed spawn is a run of no length, never a healthy one
  auto child = spawn_child(r.name, p, *r.output);
  if (!child) {
    log::warning("{}", child.error().message());
    after_run(r, true);  // a run that could not even start is a failed one
    if (r.done()) answer_waiters(r);
    changed();
    return;
  }
  r.pid = child->pid;
  r.pidfd = std::move(child->pidfd);
  r.state = process_state::running;
  r.exitcode.reset();
  r.term_signal.reset();
  r.core_dumped = false;
  r.escalated = false;
  r.started_at = std::chrono::system_clock::now();
  r.ended_at.reset();
  ++r.restart_count;
  by_pid_[r.pid] = &r;
  log::info("restarted '{}' (pid {}), restart {}", r.name, r.pid, r.restart_count);
  emit("started", r, {{"pid", r.pid}, {"restarts", r.restart_count}});
  changed();
}

void supervisor::answer_waiters(process_record& r) {
  if (r.output) r.output->wake();  // a follower stops once the process is done
  json record = to_json(r);
  auto joiners = std::move(r.joiners);
  auto stoppers = std::move(r.stop_waiters);
  r.joiners.clear();
  r.stop_waiters.clear();
  for (auto& j : joiners) {
    if (j.deadline) j.deadline->cancel();
    j.reply.ok(record);
  }
  for (auto& s : stoppers) s.ok(record);
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
  records_.erase(it);
}

void supervisor::session_closed(std::uint64_t session) {
  for (auto& [name, r] : records_) {
    auto& js = r->joiners;
    for (auto it = js.begin(); it != js.end();) {
      if (it->reply.from().session == session) {
        if (it->deadline) it->deadline->cancel();
        it = js.erase(it);
      } else {
        ++it;
      }
    }
    auto& ss = r->stop_waiters;
    ss.erase(std::remove_if(ss.begin(), ss.end(),
                            [&](const responder& s) { return s.from().session == session; }),
             ss.end());
    if (r->output) r->output->session_closed(session);
  }
}

void supervisor::shutdown(std::function<void()> done) {
  if (shutting_down_) {
    log::warning("second shutdown request: killing every child now");
    for (auto& [name, r] : records_)
      if (r->alive()) {
        r->escalated = true;
        signal_group(*r, SIGKILL);
      }
    for (pid_t pid : adopted_children(by_pid_)) ::kill(pid, SIGKILL);
    return;
  }
  shutting_down_ = true;
  shutdown_done_ = std::move(done);
  for (auto& [name, r] : records_)
    if (!r->done()) begin_stop(*r, r->stop_timeout.value_or(options_.stop_grace_seconds));
  // Adopted orphans get SIGTERM (and SIGCONT) now, and SIGKILL once every supervised process
  // has ended.
  for (pid_t pid : adopted_children(by_pid_)) {
    ::kill(pid, SIGTERM);
    ::kill(pid, SIGCONT);
  }
  check_shutdown_done();
}

void supervisor::check_shutdown_done() {
  if (!shutting_down_ || !shutdown_done_ || running_count() > 0) return;
  evict_oldest_exited();
  for (pid_t pid : adopted_children(by_pid_)) {
    log::info("killing adopted orphan (pid {})", pid);
    ::kill(pid, SIGKILL);
  }
  asio::post(io_, std::exchange(shutdown_done_, nullptr));
}

std::size_t supervisor::running_count() const { return by_pid_.size(); }

std::size_t supervisor::exited_count() const {
  return static_cast<std::size_t>(std::count_if(records_.begin(), records_.end(),
                                                [](const auto& kv) { return kv.second->done(); }));
}

}  // namespace shoal
