#include "daemon/supervisor.hpp"

#include <unistd.h>

#include <algorithm>

#include "common/names.hpp"
#include "common/natural_order.hpp"
#include "daemon/child_environment.hpp"
#include "daemon/log.hpp"
#include "daemon/path_text.hpp"
#include "daemon/run_as.hpp"

extern char** environ;

namespace shoal {
namespace {

std::string describe_argv(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

}  // namespace

supervisor::supervisor(process_host& host, timer_service& timers, process_logs& logs,
                       supervisor_options options)
    : host_(host), timers_(timers), logs_(logs), options_(std::move(options)) {}

supervisor::~supervisor() {
  for (auto& [name, r] : records_)
    if (const process_run* run = r->run_if_any()) {
      timers_.cancel(run->kill_timer);
      timers_.cancel(run->restart_timer);
    }
}

void supervisor::subscribe(subscriber fn) { subscribers_.push_back(std::move(fn)); }

void supervisor::declare(const std::string& name, process_spec spec) {
  declared_[name] = std::move(spec);
}

void supervisor::undeclare(const std::string& name) { declared_.erase(name); }

std::vector<const process_record*> supervisor::records() const { return records_.in_order(); }

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
    if (!records_.contains(name)) return name;
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
    spec.cwd = current_directory();
  }

  log_limits limits = logs_.limits_for(spec);
  // Without logs, an earlier run's files stay as they are, and are no longer this name's.
  result<std::shared_ptr<process_output>> output = std::shared_ptr<process_output>();
  if (spec.logs) output = logs_.output_for(name, old ? old->output : nullptr, limits);
  if (!output) return start_error{refused::no_output, name, 0, {}, output.error()};
  auto child = spawn_child(name, spec, output->get());
  if (!child) {
    // A name that never ran leaves no log files behind: nothing owns them and no `remove`
    // would ever find them. Files with bytes in them (an earlier daemon's) stay, and so do
    // the empty ones of a done record that let its output go (quiet_log_limits).
    if (*output && !(old && old->output)) {
      process_output& unused = **output;
      unused.close();
      if (!old && unused.stream(output_stream::out).end() == 0 &&
          unused.stream(output_stream::err).end() == 0)
        unused.remove_files();
    }
    return child.error();
  }
  if (*output) (*output)->set_limits(limits);  // only now: a refused start changes nothing
  if (!spec.logs && old && old->output) {
    // A descendant of the earlier run may still write: that is lost from now on, and its
    // followers learn the name keeps no logs any more.
    old->output->close();
    old->output->wake();
  }

  auto r = std::make_unique<process_record>();
  r->name = name;
  r->pid = child->pid;
  r->run().pidfd = std::move(child->pidfd);
  r->start_ticks = child->start_ticks;
  r->output = std::move(*output);
  r->uid = spec.uid.value_or(::geteuid());
  r->gid = spec.gid.value_or(::getegid());
  r->user = user_name(r->uid);
  r->group = group_name(r->gid);
  r->restarts = restart_tracker(spec.restart);
  r->spec = std::move(spec);
  r->started_at = timers_.wall_now();
  r->run().started = timers_.now();
  r->start_order = next_start_order_++;
  process_record& rec = records_.put(name, std::move(r));  // replaces a done record of the name
  by_pid_[rec.pid] = &rec;
  changed(name);
  log::info("started '{}' (pid {}): {}", name, rec.pid, describe_argv(rec.spec.argv));
  tell(supervisor_event::kind::started, rec);
  return &rec;
}

result<spawned_child, start_error> supervisor::spawn_child(const std::string& name,
                                                           const process_spec& spec,
                                                           process_output* output) {
  spawn_request req;
  if (!output) {
    // No logs: the spawner gives it /dev/null.
    return spawn_with(name, spec, req, [] {});
  }
  // The daemon keeps only the read ends: once the child (and whatever inherits its output)
  // has exited, the pipes reach end of file.
  auto pipes = output->attach_run();
  if (!pipes) {
    log::warning("unable to start '{}': {}", name, pipes.error().message());
    return start_error{start_error::kind::no_pipes, name, 0, {}, pipes.error()};
  }
  req.stdout_fd = pipes->write[0].get();
  req.stderr_fd = pipes->write[1].get();
  req.stdout_read_fd = pipes->read[0];
  req.stderr_read_fd = pipes->read[1];
  req.limits = logs_.limits_for(spec);
  return spawn_with(name, spec, req, [output] { output->finish_attach(); });
}

result<spawned_child, start_error> supervisor::spawn_with(const std::string& name,
                                                          const process_spec& spec,
                                                          spawn_request& req,
                                                          const std::function<void()>& meanwhile) {
  req.env = environment_for(environ, name, spec.env, options_.socket_path, child_env_);
  req.argv = spec.exec_argv.empty() ? spec.argv : spec.exec_argv;
  // A process behind setpriv enters its working directory itself, as its own account
  // (run_as::wrap); the daemon entering it first would let it through closed directories.
  if (spec.exec_argv.empty()) req.cwd = spec.cwd;
  req.name = name;
  auto child = host_.spawn(req, meanwhile);
  if (!child) {
    log::warning("unable to spawn '{}': {}", name, child.error().message());
    return start_error{start_error::kind::spawn_failed, name, 0, {}, child.error()};
  }
  return std::move(*child);
}

result<std::vector<const process_record*>> supervisor::list(
    const std::vector<std::string>& names) const {
  std::vector<const process_record*> out;
  if (names.empty()) return records();  // records_ keeps them in natural order
  for (const auto& name : names) {
    const process_record* r = find(name);
    if (!r) return status{errc::not_found, "no process named '" + name + "'"};
    out.push_back(r);
  }
  return out;
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

void supervisor::forget(record_table::iterator it) {
  // Its logs go with it; a descendant still writing to its pipes gets EPIPE from now on.
  if (auto& output = it->second->output) {
    output->close();
    output->remove_files();
    output->wake();  // followers learn it is gone
  } else if (auto& limits = it->second->quiet_log_limits) {
    logs_.remove_files(it->first, *limits);
  }
  std::string name = it->first;
  records_.erase(it);
  changed(name);
}

result<std::shared_ptr<process_output>> supervisor::output_of(const process_record& r) {
  if (r.output) return r.output;
  if (!r.spec.logs)
    return status{errc::invalid_state,
                  "process '" + r.name + "' keeps no logs: it was started with --no-logs"};
  // No output and no limits: its logs could not be opened when it was restored.
  if (!r.quiet_log_limits) return status{errc::not_found, "no logs of '" + r.name + "' are open"};
  return logs_.reopen(r.name, *r.quiet_log_limits);
}

std::size_t supervisor::running_count() const { return by_pid_.size(); }

std::size_t supervisor::exited_count() const {
  return static_cast<std::size_t>(std::count_if(records_.begin(), records_.end(),
                                                [](const auto& kv) { return kv.second->done(); }));
}

}  // namespace shoal
