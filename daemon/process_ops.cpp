#include "daemon/process_ops.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <vector>

#include "common/signals.hpp"
#include "common/target_pattern.hpp"
#include "daemon/fields.hpp"
#include "daemon/log.hpp"
#include "daemon/ownership.hpp"
#include "daemon/proc_stats.hpp"
#include "daemon/process_json.hpp"
#include "daemon/process_op_handlers.hpp"
#include "daemon/process_waiters.hpp"
#include "daemon/targets.hpp"

namespace shoal {
namespace {

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
  if (r->done()) return reply.ok_text(record_json_text(*r));
  w.join(*name, *timeout, reply);
}

// The CPU and memory of a live process for `status`, from /proc at most a sample window ago.
std::optional<proc_usage> usage_of(const process_record& r,
                                   std::chrono::steady_clock::time_point now) {
  if (r.state == process_state::running || r.state == process_state::stopping)
    return sampled_usage(r.usage_cache(), r.pid, now);
  return std::nullopt;
}

void handle_status(supervisor& s, const json& body, const responder& reply) {
  auto targets = optional_string_array(body, "names");
  if (!targets) return reply.fail(targets.error());
  auto declared = optional_bool(body, "declared");
  if (!declared) return reply.fail(declared.error());
  bool with_declared = declared->value_or(false);
  auto usage = optional_bool(body, "usage");
  if (!usage) return reply.fail(usage.error());
  // Reading /proc is most of a cold status (about 20 µs a process): a client that wants only
  // names and states, such as the CLI expanding a glob, skips it.
  bool with_usage = usage->value_or(true);
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
    for (auto& match : *expanded) {
      if (match.record)
        listed.push_back(match.record);
      else
        never_started.push_back(std::move(match.declared_name));
    }
  }
  // {"declared"?, "processes"}: as text, members in json's order. Room for the usual record
  // (600 to 700 bytes) from the start, and for the reply's prefix: no copy as it grows.
  std::string out;
  out.reserve(64 + listed.size() * 1024);
  out += '{';
  if (with_declared) {
    out += "\"declared\":";
    out += json(never_started).dump(-1, ' ', false, json::error_handler_t::replace);
    out += ',';
  }
  out += "\"processes\":[";
  bool first = true;
  auto now = std::chrono::steady_clock::now();
  for (const process_record* r : listed) {
    if (!first) out += ',';
    first = false;
    if (with_usage)
      r->status_text.append(out, *r, usage_of(*r, now));
    else
      append_status_json(out, *r, std::nullopt);  // the kept text is kept for the next poll
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
  if (r->done()) return reply.ok_text(record_json_text(*r));
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

}  // namespace

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
