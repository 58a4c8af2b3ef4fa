#include "daemon/process_ops.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "common/log_limits.hpp"
#include "common/signals.hpp"
#include "common/target_pattern.hpp"
#include "common/time_format.hpp"
#include "daemon/fields.hpp"
#include "daemon/log.hpp"
#include "daemon/log_lines.hpp"
#include "daemon/ownership.hpp"
#include "daemon/proc_stats.hpp"
#include "daemon/process_json.hpp"
#include "daemon/run_as.hpp"
#include "daemon/targets.hpp"

namespace shoal {
namespace {

constexpr long long default_log_bytes = 64 * 1024;
constexpr long long max_log_bytes = 1024 * 1024;
constexpr double max_log_wait_seconds = 3600;

// Requests that wait for a process to be done (join, stop), answered when the supervisor
// says it finished; a client that goes away takes its waiters with it.
class process_waiters {
 public:
  explicit process_waiters(timer_service& timers) : timers_(timers) {}

  void join(const std::string& name, std::optional<double> timeout, const responder& reply) {
    joiner j{next_id_++, reply, 0};
    if (timeout) {
      double limit = *timeout;
      j.deadline = timers_.call_at(
          timers_.now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(limit)),
          [this, name, id = j.id, limit] { time_out(name, id, limit); });
    }
    joiners_[name].push_back(std::move(j));
  }

  void stop(const std::string& name, const responder& reply) { stoppers_[name].push_back(reply); }

  void finished(const process_record& r) {
    auto joiners = joiners_.extract(r.name);
    auto stoppers = stoppers_.extract(r.name);
    if (joiners.empty() && stoppers.empty()) return;
    json record = to_json(r);
    if (!joiners.empty())
      for (auto& j : joiners.mapped()) {
        timers_.cancel(j.deadline);
        j.reply.ok(record);
      }
    if (!stoppers.empty())
      for (auto& s : stoppers.mapped()) s.ok(record);
  }

  void session_closed(std::uint64_t session) {
    for (auto& [name, js] : joiners_)
      std::erase_if(js, [&](const joiner& j) {
        if (j.reply.from().session != session) return false;
        timers_.cancel(j.deadline);
        return true;
      });
    for (auto& [name, ss] : stoppers_)
      std::erase_if(ss, [&](const responder& s) { return s.from().session == session; });
    std::erase_if(joiners_, [](const auto& kv) { return kv.second.empty(); });
    std::erase_if(stoppers_, [](const auto& kv) { return kv.second.empty(); });
  }

 private:
  struct joiner {
    std::uint64_t id = 0;
    responder reply;
    timer_service::id deadline = 0;  // 0 without a timeout
  };

  void time_out(const std::string& name, std::uint64_t id, double limit) {
    auto it = joiners_.find(name);
    if (it == joiners_.end()) return;
    auto& js = it->second;
    auto j = std::find_if(js.begin(), js.end(), [&](const joiner& w) { return w.id == id; });
    if (j == js.end()) return;
    responder waiting = j->reply;
    js.erase(j);
    if (js.empty()) joiners_.erase(it);
    waiting.fail(errc::timeout, fmt::format("process '{}' still running after {} s", name, limit));
  }

  timer_service& timers_;
  std::uint64_t next_id_ = 1;
  std::map<std::string, std::vector<joiner>> joiners_;
  std::map<std::string, std::vector<responder>> stoppers_;
};

// Decides who the process `p` runs as (ownership.hpp) and sets it up to: argv behind setpriv,
// the account's environment. Also keeps a peer that is not root from taking over a name that
// is not its own: a declared program's, or an exited record of another user.
status choose_identity(const supervisor& s, const std::optional<std::string>& given,
                       process_spec& p, const std::optional<std::string>& user,
                       const std::optional<std::string>& group, const peer& from) {
  auto identity = choose_start_identity(from.uid, ::geteuid(), user || group);
  if (!identity) return identity.error();
  const std::string name = given.value_or("");
  const process_spec* declared = given ? s.declared(name) : nullptr;
  if (p.argv.empty()) {
    // A declared program runs as its programs file says, whoever starts it.
    if (*identity == start_identity::requested)
      return {errc::bad_request,
              "fields 'user' and 'group' need 'argv': a declared program runs as its programs file "
              "says"};
    if (!declared) return {};  // the supervisor answers that no program has this name
    if (auto st = check_owner(from.uid, "start", name, declared->uid.value_or(::geteuid())); !st)
      return st;
    return {};
  }
  if (from.uid != 0) {
    if (declared)
      return {errc::permission_denied, "unable to start '" + name +
                                           "': the programs file declares that name, and only root "
                                           "may run something else under it; start it without a "
                                           "command, or choose another name"};
    if (const process_record* old = given ? s.find(name) : nullptr)
      if (auto st = check_owner(from.uid, "replace", name, old->uid); !st) return st;
  }
  run_as credentials;
  switch (*identity) {
    case start_identity::daemon:
      return {};
    case start_identity::peer:
      credentials = run_as::peer(from.uid, from.gid);
      break;
    case start_identity::requested: {
      auto requested = resolve_run_as(user, group);
      if (!requested) return requested.error();
      credentials = *requested;
      break;
    }
  }
  std::optional<account> target;
  if (credentials.uid) {
    auto found = find_account(*credentials.uid);
    // setpriv could not give it any groups; nothing would run.
    if (!found)
      return {errc::permission_denied,
              "unable to start a process as uid " + std::to_string(*credentials.uid) + ": " +
                  found.error().message() + "; shoald needs one to know its groups and home"};
    target = std::move(*found);
  }
  // setpriv runs as root: what the request set reaches it under other names (run_as.hpp).
  auto carried = carry_environment(std::move(p.env));
  if (!carried) return carried.error();
  p.env = std::move(carried->env);
  if (target) p.env = with_account_environment(std::move(p.env), *target);
  p.exec_argv = credentials.wrap(p.argv, p.cwd, carried->names);
  p.uid = credentials.uid;
  p.gid = credentials.gid;
  return {};
}

void handle_start(supervisor& s, const json& body, const responder& reply) {
  auto name = optional_name(body, "name");
  if (!name) return reply.fail(name.error());
  auto argv = optional_string_array(body, "argv");
  if (!argv) return reply.fail(argv.error());
  // Without argv, `name` must be a declared program (docs/programs.md); the supervisor knows.
  if (!argv->empty() || !*name)
    if (auto st = check_argv(*argv); !st) return reply.fail(st);
  auto cwd = optional_string(body, "cwd");
  if (!cwd) return reply.fail(cwd.error());
  if (*cwd && !cwd->value().empty() && cwd->value()[0] != '/')
    return reply.fail(errc::bad_request, "field 'cwd' must be an absolute path");
  process_spec p;
  p.argv = std::move(*argv);
  p.cwd = cwd->value_or("");
  if (auto env = body.find("env"); env != body.end() && !env->is_null()) {
    if (!env->is_object())
      return reply.fail(errc::bad_request, "field 'env' must be an object of strings");
    for (const auto& [k, v] : env->items()) {
      if (!v.is_string())
        return reply.fail(errc::bad_request,
                          "field 'env' must be an object of strings ('" + k + "' is not)");
      p.env.emplace_back(k, v.get<std::string>());
    }
  }
  auto restart = optional_string(body, "restart");
  if (!restart) return reply.fail(restart.error());
  if (*restart) {
    auto mode = parse_restart_mode(**restart);
    if (!mode)
      return reply.fail(errc::bad_request,
                        "field 'restart' must be \"no\", \"on-failure\" or \"always\"");
    p.restart.mode = *mode;
  }
  auto restart_max = optional_integer(body, "restart_max");
  if (!restart_max) return reply.fail(restart_max.error());
  if (*restart_max) {
    if (**restart_max < 0 || **restart_max > 1000000)
      return reply.fail(errc::out_of_range, "field 'restart_max' must be between 0 and 1000000");
    p.restart.max_restarts = static_cast<int>(**restart_max);
  }
  auto restart_window = optional_seconds(body, "restart_window");
  if (!restart_window) return reply.fail(restart_window.error());
  if (*restart_window) {
    if (**restart_window <= 0)
      return reply.fail(errc::out_of_range, "field 'restart_window' must be more than 0 seconds");
    p.restart.window_seconds = **restart_window;
  }
  auto log_max_bytes = optional_integer(body, "log_max_bytes");
  if (!log_max_bytes) return reply.fail(log_max_bytes.error());
  if (*log_max_bytes) {
    if (**log_max_bytes < 0 || !valid_log_max_bytes(static_cast<std::uint64_t>(**log_max_bytes)))
      return reply.fail(errc::out_of_range,
                        "field 'log_max_bytes' must be " + std::string(log_max_bytes_rule));
    p.log_max_bytes = static_cast<std::uint64_t>(**log_max_bytes);
  }
  auto log_backups = optional_integer(body, "log_backups");
  if (!log_backups) return reply.fail(log_backups.error());
  if (*log_backups) {
    if (!valid_log_backups(**log_backups))
      return reply.fail(errc::out_of_range,
                        "field 'log_backups' must be " + std::string(log_backups_rule));
    p.log_backups = static_cast<int>(**log_backups);
  }
  auto user = optional_string(body, "user");
  if (!user) return reply.fail(user.error());
  auto group = optional_string(body, "group");
  if (!group) return reply.fail(group.error());
  if (auto st = choose_identity(s, *name, p, *user, *group, reply.from()); !st)
    return reply.fail(st);
  auto started = s.start(*name, std::move(p));
  if (!started) return reply.fail(start_refusal(started.error()));
  reply.ok(to_json(**started));
}

// A process that does not exist passes: the supervisor answers not_found.
status check_owned(const supervisor& s, const std::string& name, std::string_view action,
                   const peer& from) {
  const process_record* r = s.find(name);
  return r ? check_owner(from.uid, action, name, r->uid) : status{};
}

void handle_join(supervisor& s, process_waiters& w, const json& body, const responder& reply) {
  auto name = required_name(body, "name");
  if (!name) return reply.fail(name.error());
  auto timeout = optional_seconds(body, "timeout");
  if (!timeout) return reply.fail(timeout.error());
  const process_record* r = s.find(*name);
  if (!r) return reply.fail(errc::not_found, "no process named '" + *name + "'");
  if (r->done()) return reply.ok(to_json(*r));
  w.join(*name, *timeout, reply);
}

// The CPU and memory of a live process for `status`, from /proc at the time of asking.
std::optional<proc_usage> usage_of(const process_record& r) {
  if (r.state == process_state::running || r.state == process_state::stopping)
    return read_proc_usage(r.pid);
  return std::nullopt;
}

void handle_status(supervisor& s, const json& body, const responder& reply) {
  auto targets = optional_string_array(body, "names");
  if (!targets) return reply.fail(targets.error());
  auto declared = optional_bool(body, "declared");
  if (!declared) return reply.fail(declared.error());
  bool with_declared = declared->value_or(false);
  std::vector<const process_record*> listed;
  std::vector<std::string> never_started;
  if (targets->empty() && !with_declared) {
    auto all = s.list({});
    if (!all) return reply.fail(all.error());
    listed = std::move(*all);
  } else {
    const std::vector<std::string> all = {std::string(all_target)};
    auto expanded =
        expand_targets(s, targets->empty() ? all : *targets,
                       with_declared ? target_scope::records_and_declared : target_scope::records);
    if (!expanded) return reply.fail(expanded.error());
    for (auto& name : *expanded) {
      if (const process_record* r = s.find(name))
        listed.push_back(r);
      else
        never_started.push_back(std::move(name));
    }
  }
  // {"declared"?, "processes"}: as text, members in json's order.
  std::string out = "{";
  if (with_declared) {
    out += "\"declared\":";
    out += json(never_started).dump(-1, ' ', false, json::error_handler_t::replace);
    out += ',';
  }
  out += "\"processes\":[";
  bool first = true;
  for (const process_record* r : listed) {
    if (!first) out += ',';
    first = false;
    append_status_json(out, *r, usage_of(*r));
  }
  out += "]}";
  reply.ok_text(std::move(out));
}

void handle_stop(supervisor& s, process_waiters& w, const json& body, const responder& reply) {
  auto name = required_name(body, "name");
  if (!name) return reply.fail(name.error());
  auto timeout = optional_seconds(body, "timeout");
  if (!timeout) return reply.fail(timeout.error());
  if (auto st = check_owned(s, *name, "stop", reply.from()); !st) return reply.fail(st);
  const process_record* r = s.find(*name);
  if (!r) return reply.fail(errc::not_found, "no process named '" + *name + "'");
  if (r->done()) return reply.ok(to_json(*r));
  // Waiting first: stopping a process waiting to restart finishes it at once.
  w.stop(*name, reply);
  if (auto stopped = s.stop(*name, *timeout); !stopped) reply.fail(stopped.error());
}

// Stops the process as stop does, then starts it again with its spec (a declared instance: as
// declared now). The start does not depend on the client: a waiter of no session does it.
void handle_restart(supervisor& s, process_waiters& w, timer_service& timers, const json& body,
                    const responder& reply) {
  auto name = required_name(body, "name");
  if (!name) return reply.fail(name.error());
  auto timeout = optional_seconds(body, "timeout");
  if (!timeout) return reply.fail(timeout.error());
  if (auto st = check_owned(s, *name, "restart", reply.from()); !st) return reply.fail(st);
  const process_record* r = s.find(*name);
  if (!r) return reply.fail(errc::not_found, "no process named '" + *name + "'");
  const process_spec* declaration = s.declared(*name);
  process_spec spec = declaration ? *declaration : r->spec;
  // Called once the old run is done; the supervisor is then between transitions only after
  // a post, as a subscriber must not start one from inside another.
  auto start_again = [&s, &timers, name = *name, spec, reply]() mutable {
    timers.post([&s, name, spec = std::move(spec), reply]() mutable {
      auto started = s.start_again(name, std::move(spec));
      if (!started) return reply.fail(start_refusal(started.error()));
      reply.ok(to_json(**started));
    });
  };
  if (r->done()) return start_again();
  peer detached = reply.from();
  detached.session = 0;  // no client's: session_closed() keeps it
  responder after_stop(nullptr, detached, [start_again, reply, name = *name](json stopped) mutable {
    // A stop waiter is answered ok with the record once the process is done.
    if (!stopped.value("ok", false))
      return reply.fail(errc::internal,
                        "unable to restart '" + name + "': stopping it failed: " + stopped.dump());
    start_again();
  });
  w.stop(*name, after_stop);
  if (auto stopped = s.stop(*name, *timeout); !stopped) reply.fail(stopped.error());
}

void handle_kill(supervisor& s, const json& body, const responder& reply) {
  auto name = required_name(body, "name");
  if (!name) return reply.fail(name.error());
  int signo = SIGKILL;
  if (auto sig = body.find("signal"); sig != body.end() && !sig->is_null()) {
    std::optional<int> parsed;
    if (sig->is_string())
      parsed = parse_signal(sig->get<std::string>());
    else if (sig->is_number_integer())
      parsed = parse_signal(std::to_string(sig->get<long long>()));
    if (!parsed)
      return reply.fail(
          errc::bad_request,
          "field 'signal' must be a signal name like \"SIGTERM\" or \"TERM\", or its number");
    signo = *parsed;
  }
  auto group = optional_bool(body, "group");
  if (!group) return reply.fail(group.error());
  if (auto st = check_owned(s, *name, "signal", reply.from()); !st) return reply.fail(st);
  auto killed = s.kill(*name, signo, group->value_or(false));
  if (!killed) return reply.fail(killed.error());
  reply.ok(to_json(**killed));
}

void handle_remove(supervisor& s, const json& body, const responder& reply) {
  auto name = required_name(body, "name");
  if (!name) return reply.fail(name.error());
  if (auto st = check_owned(s, *name, "remove", reply.from()); !st) return reply.fail(st);
  if (auto st = s.remove(*name); !st) return reply.fail(st);
  reply.ok({{"removed", *name}});
}

// Answers a `logs` request from the stream as it is now, or, with `wait` and nothing new to
// give while the process may still write, once it has written or changed state.
void answer_logs(supervisor& s, const std::string& name, output_stream which,
                 std::optional<std::uint64_t> offset, std::size_t limit, std::optional<double> wait,
                 const responder& reply) {
  const process_record* r = s.find(name);
  if (!r || !r->output) return reply.fail(errc::not_found, "no process named '" + name + "'");
  // Checked on every answer: by the time a waiting request is answered, the name may have been
  // started again by another user.
  if (auto st = check_owner(reply.from().uid, "read the logs of", name, r->uid); !st)
    return reply.fail(st);
  auto chunk = r->output->stream(which).read(offset, limit);
  if (!chunk) return reply.fail(chunk.error());
  bool may_write = !r->done() || r->output->reading();
  if (wait && *wait > 0 && may_write && chunk->data.empty() && chunk->skipped == 0) {
    r->output->wait(reply.from().session, *wait, [&s, name, which, offset, limit, reply] {
      answer_logs(s, name, which, offset, limit, std::nullopt, reply);
    });
    return;
  }
  reply.ok({{"data", std::move(chunk->data)},
            {"offset", chunk->offset},
            {"skipped", chunk->skipped},
            {"size", r->output->stream(which).end()},
            {"stream", which == output_stream::err ? "stderr" : "stdout"},
            {"state", to_string(r->state)}});
}

// Answers a `logs` request by lines (`lines` or `cursor` given, or `stream` both): the last
// lines, or those after the cursor; with `wait`, held until there is a line to give.
void answer_lines(supervisor& s, const std::string& name, line_request request,
                  std::optional<double> wait, const responder& reply) {
  const process_record* r = s.find(name);
  if (!r || !r->output) return reply.fail(errc::not_found, "no process named '" + name + "'");
  if (auto st = check_owner(reply.from().uid, "read the logs of", name, r->uid); !st)
    return reply.fail(st);
  process_output& out = *r->output;
  bool may_write = !r->done() || out.reading();
  request.final = !may_write;
  auto batch = read_lines({&out.stream(output_stream::out), &out.stream(output_stream::err)},
                          out.journal(), request);
  if (!batch) return reply.fail(batch.error());
  if (wait && *wait > 0 && may_write && batch->lines.empty() && batch->skipped == 0) {
    out.wait(reply.from().session, *wait,
             [&s, name, request, reply] { answer_lines(s, name, request, std::nullopt, reply); });
    return;
  }
  // Nothing more will come: the process is done and every line was given.
  bool done = !may_write;
  const std::array<output_stream, 2> streams = {output_stream::out, output_stream::err};
  for (std::size_t i = 0; i < 2; ++i)
    if (request.streams[i] && batch->cursor[i] < out.stream(streams[i]).end()) done = false;
  json lines = json::array();
  for (auto& line : batch->lines)
    lines.push_back(
        {{"stream", line.stream == 0 ? "stdout" : "stderr"},
         {"text", std::move(line.text)},
         {"time", line.arrival.at ? json(to_rfc3339(*line.arrival.at)) : json(nullptr)}});
  reply.ok({{"lines", std::move(lines)},
            {"cursor", {{"stdout", batch->cursor[0]}, {"stderr", batch->cursor[1]}}},
            {"skipped", batch->skipped},
            {"state", to_string(r->state)},
            {"done", done}});
}

constexpr long long max_log_lines = 100000;

void handle_logs(supervisor& s, const json& body, const responder& reply) {
  auto name = required_name(body, "name");
  if (!name) return reply.fail(name.error());
  auto stream = optional_string(body, "stream");
  if (!stream) return reply.fail(stream.error());
  auto lines = optional_integer(body, "lines");
  if (!lines) return reply.fail(lines.error());
  auto cursor_field = body.find("cursor");
  bool by_lines = *lines || (cursor_field != body.end() && !cursor_field->is_null()) ||
                  stream->value_or("") == "both";
  if (by_lines) {
    line_request request;
    std::string which = stream->value_or("both");
    if (which != "stdout" && which != "stderr" && which != "both")
      return reply.fail(errc::bad_request,
                        "field 'stream' must be \"stdout\", \"stderr\" or \"both\"");
    request.streams = {which != "stderr", which != "stdout"};
    if (*lines) {
      if (**lines < 0 || **lines > max_log_lines)
        return reply.fail(errc::out_of_range, "field 'lines' must be between 0 and 100000");
      request.count = static_cast<std::size_t>(**lines);
    }
    if (cursor_field != body.end() && !cursor_field->is_null()) {
      if (!cursor_field->is_object())
        return reply.fail(
            errc::bad_request,
            "field 'cursor' must be an object {\"stdout\": offset, \"stderr\": offset}");
      std::array<std::uint64_t, 2> cursor{};
      const char* keys[] = {"stdout", "stderr"};
      for (std::size_t i = 0; i < 2; ++i) {
        auto v = cursor_field->find(keys[i]);
        if (v == cursor_field->end()) continue;
        if (!v->is_number_unsigned())
          return reply.fail(errc::bad_request, std::string("field 'cursor.") + keys[i] +
                                                   "' must be an offset, 0 or more");
        cursor[i] = v->get<std::uint64_t>();
      }
      request.cursor = cursor;
    }
    auto max_bytes = optional_integer(body, "max_bytes");
    if (!max_bytes) return reply.fail(max_bytes.error());
    if (*max_bytes) {
      if (**max_bytes < 1 || **max_bytes > max_log_bytes)
        return reply.fail(errc::out_of_range, "field 'max_bytes' must be between 1 and 1048576");
      request.max_bytes = static_cast<std::size_t>(**max_bytes);
    }
    auto wait = optional_seconds(body, "wait");
    if (!wait) return reply.fail(wait.error());
    if (*wait && **wait > max_log_wait_seconds)
      return reply.fail(errc::out_of_range, "field 'wait' must be at most 3600 seconds");
    return answer_lines(s, *name, request, *wait, reply);
  }
  std::string which = stream->value_or("stdout");
  if (which != "stdout" && which != "stderr")
    return reply.fail(errc::bad_request,
                      "field 'stream' must be \"stdout\", \"stderr\" or \"both\"");
  auto offset = optional_integer(body, "offset");
  if (!offset) return reply.fail(offset.error());
  auto max_bytes = optional_integer(body, "max_bytes");
  if (!max_bytes) return reply.fail(max_bytes.error());
  long long limit = max_bytes->value_or(default_log_bytes);
  if (limit < 0 || limit > max_log_bytes)
    return reply.fail(errc::out_of_range, "field 'max_bytes' must be between 0 and 1048576");
  if (*offset && **offset < 0)
    return reply.fail(errc::out_of_range, "field 'offset' must not be negative");
  auto wait = optional_seconds(body, "wait");
  if (!wait) return reply.fail(wait.error());
  if (*wait && **wait > max_log_wait_seconds)
    return reply.fail(errc::out_of_range, "field 'wait' must be at most 3600 seconds");
  std::optional<std::uint64_t> from;
  if (*offset) from = static_cast<std::uint64_t>(**offset);
  answer_logs(s, *name, which == "stderr" ? output_stream::err : output_stream::out, from,
              static_cast<std::size_t>(limit), *wait, reply);
}

}  // namespace

status start_refusal(const start_error& e) {
  using refused = start_error::kind;
  switch (e.what) {
    case refused::shutting_down:
      return {errc::invalid_state, "the daemon is shutting down"};
    case refused::bad_argv:
      return check_argv({});
    case refused::bad_cwd:
      return {errc::bad_request, "field 'cwd' must not contain NUL bytes"};
    case refused::bad_env:
      return env_refusal(e.detail);
    case refused::already_running:
      return {errc::already_exists, "a process named '" + e.name + "' is already running (pid " +
                                        std::to_string(e.pid) + ")"};
    case refused::waiting_to_restart:
      return {errc::already_exists,
              "a process named '" + e.name + "' is waiting to restart; stop it first"};
    case refused::no_output:
      return e.cause;
    case refused::no_pipes:
      return {errc::spawn_failed, "unable to start '" + e.name + "': " + e.cause.message()};
    case refused::spawn_failed:
      return {e.cause.code(), "unable to spawn '" + e.name + "': " + e.cause.message()};
  }
  return {errc::internal, "unable to start '" + e.name + "'"};
}

void register_process_ops(dispatcher& d, supervisor& s, timer_service& timers) {
  auto w = std::make_shared<process_waiters>(timers);
  s.subscribe([w](const supervisor_event& e) {
    if (e.what == supervisor_event::kind::finished) w->finished(e.record);
  });
  d.add("start", [&s](const json& b, const responder& r) { handle_start(s, b, r); });
  d.add("join", [&s, w](const json& b, const responder& r) { handle_join(s, *w, b, r); });
  d.add("status", [&s](const json& b, const responder& r) { handle_status(s, b, r); });
  d.add("stop", [&s, w](const json& b, const responder& r) { handle_stop(s, *w, b, r); });
  d.add("restart", [&s, w, &timers](const json& b, const responder& r) {
    handle_restart(s, *w, timers, b, r);
  });
  d.add("kill", [&s](const json& b, const responder& r) { handle_kill(s, b, r); });
  d.add("remove", [&s](const json& b, const responder& r) { handle_remove(s, b, r); });
  d.add("logs", [&s](const json& b, const responder& r) { handle_logs(s, b, r); });
  d.on_session_closed([&s, w](std::uint64_t session) {
    w->session_closed(session);
    auto all = s.list({});
    for (const process_record* r : *all)
      if (r->output) r->output->session_closed(session);
  });
}

}  // namespace shoal
