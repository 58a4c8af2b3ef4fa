// The process verbs: join, status, stop, restart, kill, remove, ping, and the table of every
// process verb with its help (start and logs run from their own files).
#include <algorithm>
#include <chrono>
#include <csignal>
#include <functional>
#include <optional>

#include "client/invocation.hpp"
#include "client/process_targets.hpp"
#include "client/reconnect.hpp"
#include "client/record_fields.hpp"
#include "client/status_table.hpp"
#include "client/verbs.hpp"
#include "client/verbs_process_run.hpp"
#include "common/signals.hpp"

namespace shoal::cli {
namespace {

// --- join --------------------------------------------------------------------------------

constexpr option_spec join_options[] = {
    {"timeout", 0, true},
    {"verbose", 'v', false},
};

// Joins `names` on `conn`, and again on a new connection each time one is lost before every
// join is answered (the failures stand once shoald has not come back in time). With a
// `deadline` (the join's --timeout), a join sent again asks only for what is left of it.
std::vector<outcome> join_each(invocation& inv, connection conn, json request,
                               const std::vector<std::string>& names, deadline until) {
  auto outcomes = call_each(conn, request, names);
  for (;;) {
    std::vector<std::size_t> waiting;
    for (std::size_t i = 0; i < outcomes.size(); ++i)
      if (outcomes[i].what == outcome::kind::failed) waiting.push_back(i);
    if (waiting.empty()) return outcomes;
    auto again = reconnect(inv, "joining", until);
    if (!again) return outcomes;
    if (until) {
      std::chrono::duration<double> left = *until - std::chrono::steady_clock::now();
      if (left.count() <= 0) return outcomes;
      request["timeout"] = left.count();
    }
    std::vector<std::string> rest;
    for (std::size_t i : waiting) rest.push_back(names[i]);
    auto answers = call_each(*again, request, rest);
    for (std::size_t k = 0; k < waiting.size(); ++k) outcomes[waiting[k]] = std::move(answers[k]);
  }
}

int run_join(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, join_options, a, operand_mode::operands, exit_failed))
    return *done;
  if (a.operands.empty()) return usage_error(inv, "name at least one process to join", exit_failed);
  if (auto bad = check_targets(a.operands)) return usage_error(inv, *bad, exit_failed);
  json request = {{"op", "join"}};
  if (auto bad = take_timeout(inv, a, request, exit_failed)) return *bad;
  // --timeout counts from now, across any reconnection.
  deadline until = deadline_after(
      request.contains("timeout") ? std::optional(request["timeout"].get<double>()) : std::nullopt);

  auto conn = connect_or_print(inv);
  if (!conn) return exit_failed;
  auto found = expand(*conn, a.operands);
  while (found.failure.what == outcome::kind::failed) {  // lost before it could answer
    auto again = reconnect(inv, "joining", until);
    if (!again) break;
    *conn = std::move(*again);
    found = expand(*conn, a.operands);
  }
  if (found.failure.what != outcome::kind::ok) {
    report_failure(inv, found.failure);
    return exit_failed;
  }
  const auto& names = found.names;
  auto outcomes = join_each(inv, std::move(*conn), request, names, until);

  print_errors(inv, outcomes);
  if (inv.json)
    print_json_outcomes(inv, names, outcomes);
  else if (a.has("verbose"))
    for (const auto& o : outcomes)
      if (o.what == outcome::kind::ok)
        inv.out << string_field(o.result, "name") << " " << describe_end(o.result) << "\n";

  for (const auto& o : outcomes)
    if (int code = join_exit_code(o); code != 0) return code;
  return exit_ok;
}

// --- status ------------------------------------------------------------------------------

int run_status(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, {}, a)) return *done;
  if (auto bad = check_targets(a.operands)) return usage_error(inv, *bad);
  json request = {{"op", "status"}};
  if (!a.operands.empty()) request["names"] = a.operands;
  return simple_call(inv, std::move(request), [&](const json& result) {
    table_style style;
    style.color = inv.color;
    style.width = inv.out_is_tty ? inv.width : 0;
    const json processes =
        result.is_object() && result.contains("processes") ? result["processes"] : json::array();
    inv.out << render_status_table(processes, style) << status_summary(processes) << "\n";
  });
}

// --- stop --------------------------------------------------------------------------------

constexpr option_spec stop_options[] = {
    {"timeout", 0, true},
};

// "SIGTERM", "escalated to SIGKILL", "exited with 0": how a stopped process ended.
std::string how_stopped(const json& r) {
  if (auto esc = r.find("escalated"); esc != r.end() && esc->is_boolean() && esc->get<bool>())
    return "escalated to SIGKILL";
  if (std::string sig = string_field(r, "signal", ""); !sig.empty()) return sig;
  return "exited with " + number_field(r, "exitcode");
}

// Checks the TARGETs, expands them and sends `request` for each process on one connection:
// what stop, restart, kill and remove share. `print_ok` prints one successful outcome.
int act_on_targets(invocation& inv, const parsed_args& a, const json& request,
                   const std::function<void(const json& result)>& print_ok) {
  if (a.operands.empty())
    return usage_error(inv, "name at least one TARGET: a process, a program, 'all' or a glob");
  if (auto bad = check_targets(a.operands)) return usage_error(inv, *bad);
  auto targets = reach_targets(inv, a.operands);
  if (!targets.conn) return targets.exit;
  auto outcomes = call_each(*targets.conn, request, targets.names);
  print_errors(inv, outcomes);
  if (inv.json)
    print_json_outcomes(inv, targets.names, outcomes);
  else
    for (const auto& o : outcomes)
      if (o.what == outcome::kind::ok) print_ok(o.result);
  return worst_exit_code(outcomes);
}

int run_stop(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, stop_options, a)) return *done;
  json request = {{"op", "stop"}};
  if (auto bad = take_timeout(inv, a, request)) return *bad;
  return act_on_targets(inv, a, request, [&](const json& r) {
    inv.out << "stopped " << string_field(r, "name") << " (" << how_stopped(r) << ")\n";
  });
}

// --- restart -----------------------------------------------------------------------------

// A declared program's instance with no record (never started, its spawn failed, or removed)
// has nothing to stop: restarting the program starts it, as `start --name` would, rather
// than leave it down without a word.
int run_restart(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, stop_options, a)) return *done;
  json restart = {{"op", "restart"}};
  if (auto bad = take_timeout(inv, a, restart)) return *bad;
  if (a.operands.empty())
    return usage_error(inv, "name at least one TARGET: a process, a program, 'all' or a glob");
  if (auto bad = check_targets(a.operands)) return usage_error(inv, *bad);
  auto conn = connect_or_print(inv);
  if (!conn) return exit_unreachable;
  auto found = expand(*conn, a.operands, true);
  if (found.failure.what != outcome::kind::ok) {
    report_failure(inv, found.failure);
    return exit_code(found.failure);
  }
  std::vector<std::string> names = found.names;
  std::vector<json> requests;
  for (const auto& name : found.names) {
    requests.push_back(restart);
    requests.back()["name"] = name;
  }
  for (const auto& name : found.declared) {
    names.push_back(name);
    requests.push_back({{"op", "start"}, {"name", name}});
  }
  auto outcomes = call_all(*conn, std::move(requests));
  print_errors(inv, outcomes);
  if (inv.json) {
    print_json_outcomes(inv, names, outcomes);
  } else {
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      if (outcomes[i].what != outcome::kind::ok) continue;
      const json& r = outcomes[i].result;
      inv.out << (i < found.names.size() ? "restarted " : "started ") << string_field(r, "name")
              << " (pid " << number_field(r, "pid") << ")\n";
    }
  }
  return worst_exit_code(outcomes);
}

// --- kill --------------------------------------------------------------------------------

constexpr option_spec kill_options[] = {
    {"signal", 's', true},
    {"group", 0, false},
};

int run_kill(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, kill_options, a)) return *done;
  int signo = SIGKILL;
  if (auto text = a.value("signal")) {
    auto parsed = parse_signal(*text);
    if (!parsed)
      return usage_error(
          inv, "--signal needs a signal such as TERM, SIGTERM or 15, not '" + *text + "'");
    signo = *parsed;
  }
  bool group = a.has("group");
  json request = {{"op", "kill"}, {"group", group}};
  // The name where there is one (it reads well in the daemon's log), the number otherwise.
  std::string signame = signal_name(signo);
  if (signame == "SIG" + std::to_string(signo))
    request["signal"] = signo;
  else
    request["signal"] = signame;
  return act_on_targets(inv, a, request, [&](const json& record) {
    inv.out << "sent " << signame << " to " << (group ? "the process group of " : "")
            << string_field(record, "name") << " (pid " << number_field(record, "pid") << ")\n";
  });
}

// --- remove ------------------------------------------------------------------------------

int run_remove(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, {}, a)) return *done;
  return act_on_targets(inv, a, {{"op", "remove"}}, [&](const json& result) {
    inv.out << "removed " << string_field(result, "removed") << "\n";
  });
}

// --- ping --------------------------------------------------------------------------------

int run_ping(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, {}, a)) return *done;
  if (!a.operands.empty()) return usage_error(inv, "ping takes no operands");
  return simple_call(inv, {{"op", "hello"}}, [&](const json& r) {
    inv.out << "shoald " << string_field(r, "version") << ", protocol "
            << number_field(r, "protocol") << ", pid " << number_field(r, "pid") << ", socket "
            << string_field(r, "socket", inv.socket_path) << "\n";
  });
}

constexpr verb process_table[] = {
    {"start",
     "start [--name NAME] [--cwd DIR] [--env KEY=VALUE]... [--env-file FILE]... "
     "[--restart MODE] [--user USER] [--group GROUP] [--log-max-bytes BYTES] [--log-backups N] "
     "[--no-logs] -- PROGRAM [ARG]...",
     "Start PROGRAM under shoald and print its name and pid.",
     "PROGRAM runs without a shell, in DIR (default: this shell's current directory, so\n"
     "'./script.sh' works), with the daemon's environment plus the --env-file and --env\n"
     "variables. Options and words after the first word of PROGRAM belong to PROGRAM.\n"
     "Without PROGRAM, --name TARGET starts the declared programs TARGET names: an instance,\n"
     "a program (each of its instances not running), 'all' or a glob (docs/programs.md).\n"
     "Unless you are root, PROGRAM runs as you (your uid, groups, HOME, USER), whoever\n"
     "shoald runs as.\n"
     "  --name NAME       the process's name (default: Process-N, chosen by the daemon)\n"
     "  --cwd DIR         its working directory (relative to this one)\n"
     "  --env KEY=VALUE   an extra environment variable; repeat for more\n"
     "  --env-file FILE   variables from FILE, in systemd's EnvironmentFile= syntax (KEY=VALUE\n"
     "                    lines, # comments, quotes); repeat for more, a later file and\n"
     "                    --env winning\n"
     "  --restart MODE    restart it when it exits: no (default), on-failure (non-zero\n"
     "                    exit or a signal) or always; with back-off from 1 s to 60 s\n"
     "  --restart-max N   give up (state fatal) after N restarts within the window\n"
     "                    (default 5)\n"
     "  --restart-window SECONDS   the window --restart-max counts in (default 300)\n"
     "  --user USER       run it as USER (a name or uid), with USER's groups; root only,\n"
     "                    and only when shoald runs as root\n"
     "  --group GROUP     run it with GROUP (a name or gid) as its group instead; root only\n"
     "  --log-max-bytes BYTES   rotate its NAME.out or NAME.err before it grows past BYTES\n"
     "                    (K/M/G suffixes; 0: never; default: the daemon's, 10M)\n"
     "  --log-backups N   rotated files kept per stream (default: the daemon's, 3)\n"
     "  --no-logs         send its stdout and stderr to /dev/null and keep no log files\n"
     "Prints: started NAME (pid PID)\n",
     run_start},
    {"join", "join TARGET... [--timeout SECONDS] [-v]",
     "Wait for processes to exit; exit with the status of the first that failed.",
     "Waits for every process the TARGETs name at once (TARGET: see 'shoal help status'). Exit "
     "status: the process's own exit status, 128+N when a\n"
     "signal N killed it, 124 when --timeout ran out, 125 when shoal itself failed (bad\n"
     "usage, daemon unreachable, no such process). With several names, the first non-zero\n"
     "status in the order given. Prints nothing on success. When shoald goes away, waits up\n"
     "to 30 s (never past --timeout) for it to come back, and joins there.\n"
     "  --timeout SECONDS   give up after this long (the processes are left alone)\n"
     "  -v, --verbose       print 'NAME exited with N' for each process\n"
     "  --json              print the record (with several names: an array, an error\n"
     "                      object {\"name\", \"error\"} in place of each failure)\n",
     run_join},
    {"status", "status [TARGET]... [--json]", "Show processes: all of them, or the ones named.",
     "A TARGET is a process name, a declared program's name (all its instances), 'all', or\n"
     "a shell glob over process names such as 'web-*' (quoted). A TARGET that matches\n"
     "nothing is not_found. stop, restart, kill, remove, join, logs, watch and start --name\n"
     "take TARGETs too.\n"
     "Columns: NAME USER PID STATE EXIT UPTIME RESTARTS CPU% MEM COMMAND, in natural order\n"
     "(w-2 before w-10), then a summary line: 5 running, 1 exited, 1 fatal. UPTIME is how\n"
     "long a live process has run, or how long ago a dead one ended (5s ago). CPU% is its\n"
     "CPU time over its lifetime, as ps(1) counts it; MEM its resident memory. On a\n"
     "terminal, running processes are green and ones that exited non-zero red, and COMMAND\n"
     "is cut to the terminal width. USER is who it runs as: only that user and root may\n"
     "stop, restart, kill, remove it or read its logs.\n"
     "  --json   print {\"processes\": [record...]} as the daemon sent it, with restarts,\n"
     "           cpu_seconds, cpu_percent and rss_bytes\n",
     run_status},
    {"stop", "stop TARGET... [--timeout SECONDS]",
     "Stop processes: SIGTERM to the process group, SIGKILL after the grace period.",
     "Stops every process the TARGETs name at once and waits until each has been reaped.\n"
     "  --timeout SECONDS   grace period before SIGKILL (default: the daemon's, 10 s)\n"
     "Prints: stopped NAME (SIGTERM) | stopped NAME (escalated to SIGKILL) |\n"
     "        stopped NAME (exited with N)\n",
     run_stop},
    {"restart", "restart TARGET... [--timeout SECONDS]",
     "Stop processes as stop does, then start each again with the same spec.",
     "Same name, command, environment, directory, user and log settings; a declared\n"
     "program's instance starts as its programs file declares it now. RESTARTS in status\n"
     "counts it. A declared instance that has no process (never started, its spawn\n"
     "failed, or removed) is started. Exit codes as stop.\n"
     "  --timeout SECONDS   grace period before SIGKILL (default: the daemon's, 10 s)\n"
     "Prints: restarted NAME (pid PID) | started NAME (pid PID)\n",
     run_restart},
    {"kill", "kill TARGET... [--signal SIG] [--group]",
     "Send one signal to processes (default SIGKILL) and return at once.",
     "  -s, --signal SIG   TERM, SIGTERM or 15 (default: KILL)\n"
     "  --group            signal the process's whole process group\n"
     "Prints: sent SIGNAL to NAME (pid PID)\n",
     run_kill},
    {"remove", "remove TARGET...", "Forget exited processes and delete their logs.",
     "Prints: removed NAME\n", run_remove},
    {"logs", "logs TARGET... [-n N] [--follow] [--stream stdout|stderr|both] [--timestamps]",
     "Print the last lines a process wrote, like tail(1); --follow for what comes next.",
     "Reads across rotated files (NAME.out.1, NAME.out) as one stream, whole lines only.\n"
     "With several processes, each line starts with 'NAME | '.\n"
     "  -n, --lines N    the last N lines (default 10; 0 with --follow: only new ones)\n"
     "  --stream S       stdout, stderr, or both (default), interleaved in the order the\n"
     "                   daemon received the lines\n"
     "  --stderr         the same as --stream stderr\n"
     "  --timestamps     start each line with when the daemon received it (RFC 3339, UTC;\n"
     "                   '-' when it no longer knows)\n"
     "  -f, --follow     keep printing lines as they are written, until every process has\n"
     "                   ended and its lines are printed, or until Ctrl-C; with --json, one\n"
     "                   JSON line per batch of lines. When shoald goes away, waits up to\n"
     "                   30 s for it to come back and goes on from the same line\n",
     run_logs},
    {"ping", "ping", "Check that shoald answers; print its version, pid and socket.",
     "Prints: shoald VERSION, protocol N, pid PID, socket PATH\n", run_ping},
};

}  // namespace

std::span<const verb> process_verbs() { return process_table; }

}  // namespace shoal::cli
