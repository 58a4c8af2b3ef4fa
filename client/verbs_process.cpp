// The process verbs: start, join, status, stop, restart, kill, remove, logs, ping.
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <functional>
#include <map>

#include "client/invocation.hpp"
#include "client/process_targets.hpp"
#include "client/status_table.hpp"
#include "client/verbs.hpp"
#include "common/byte_size.hpp"
#include "common/env_file.hpp"
#include "common/log_limits.hpp"
#include "common/signals.hpp"

namespace shoal::cli {
namespace {

std::string string_field(const json& j, const char* key, std::string fallback = "?") {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

std::string number_field(const json& j, const char* key) {
  if (!j.is_object()) return "?";
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return "?";
  return std::to_string(it->get<long long>());
}

// "exited with 3", "was killed by SIGKILL (core dumped)".
std::string describe_end(const json& record) {
  std::string sig = string_field(record, "signal", "");
  std::string text;
  if (!sig.empty())
    text = "was killed by " + sig;
  else
    text = "exited with " + number_field(record, "exitcode");
  if (auto core = record.find("core_dumped");
      core != record.end() && core->is_boolean() && core->get<bool>())
    text += " (core dumped)";
  return text;
}

// --- start -------------------------------------------------------------------------------

constexpr option_spec start_options[] = {
    {"name", 0, true},           {"cwd", 0, true},         {"env", 0, true},
    {"env-file", 0, true},       {"restart", 0, true},     {"restart-max", 0, true},
    {"restart-window", 0, true}, {"user", 0, true},        {"group", 0, true},
    {"log-max-bytes", 0, true},  {"log-backups", 0, true},
};

result<std::string> current_directory() {
  std::string buf(256, '\0');
  for (int attempt = 0; attempt < 16; ++attempt) {
    if (::getcwd(buf.data(), buf.size())) return std::string(buf.c_str());
    if (errno != ERANGE) break;
    buf.resize(buf.size() * 2);
  }
  return status::from_errno(errc::bad_request, "cannot determine the current directory", errno);
}

void print_started(invocation& inv, const json& record) {
  inv.out << "started " << string_field(record, "name") << " (pid " << number_field(record, "pid")
          << ")\n";
}

// `start --name TARGET` alone: the declared programs TARGET names (docs/programs.md), each
// instance that is not running. The daemon refuses a name it has not declared in the
// protocol's words (its missing "argv"); say it in the CLI's.
int start_declared(invocation& inv, const std::string& target) {
  auto conn = connect_or_print(inv);
  if (!conn) return exit_unreachable;
  auto found = expand(*conn, {target}, true);
  std::vector<std::string> names = found.declared;
  if (found.failure.what == outcome::kind::ok) {
    for (const auto& record : found.failure.result.value("processes", json::array())) {
      std::string state = string_field(record, "state", "");
      bool declared = record.contains("program") && record["program"].is_string();
      if (declared && (state == "exited" || state == "fatal" || state == "lost"))
        names.push_back(string_field(record, "name"));
    }
  }
  // Nothing to start: let the daemon say why for the name itself (running, or not declared).
  if (names.empty()) names.push_back(target);
  auto outcomes = call_each(*conn, {{"op", "start"}}, names);
  for (auto& o : outcomes)
    if (o.what == outcome::kind::refused && o.code == "bad_request")
      o.message = "no declared program named '" + target +
                  "'; to start a new process under that name, give its PROGRAM: shoal start "
                  "--name " +
                  target + " -- PROGRAM [ARG]...";
  print_errors(inv, outcomes);
  if (inv.json)
    print_json_outcomes(inv, names, outcomes);
  else
    for (const auto& o : outcomes)
      if (o.what == outcome::kind::ok) print_started(inv, o.result);
  return worst_exit_code(outcomes);
}

int run_start(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, start_options, a, operand_mode::command)) return *done;
  if (a.command.empty()) {
    // A declared program (docs/programs.md) starts by its name alone, as declared.
    auto declared = a.value("name");
    if (!declared)
      return usage_error(inv,
                         "missing PROGRAM: give the program to run after '--', or --name "
                         "NAME of a declared program");
    if (auto bad = check_targets({*declared})) return usage_error(inv, *bad);
    // A declared program runs as its programs file says; an option that would change that
    // is a mistake to point out, not to drop.
    for (const auto& [option, value] : a.options)
      if (option != "name" && option != "socket" && option != "json")
        return usage_error(inv, "--" + option +
                                    " applies only to a PROGRAM given after '--'; "
                                    "the declared program '" +
                                    *declared + "' takes its settings from the programs file");
    return start_declared(inv, *declared);
  }

  json request = {{"op", "start"}, {"argv", a.command}};
  if (auto name = a.value("name")) {
    if (auto bad = check_name("process name", *name)) return usage_error(inv, *bad);
    request["name"] = *name;
  }
  // The daemon resolves a relative program against cwd, so `shoal start ./bear.sh` means the
  // bear.sh next to the caller, not next to the daemon.
  std::optional<std::string> cwd = a.value("cwd");
  if (!cwd || cwd->empty() || (*cwd)[0] != '/') {
    auto here = current_directory();
    if (!here) return usage_error(inv, here.error().message() + "; pass an absolute --cwd");
    if (!cwd || cwd->empty())
      cwd = *here;
    else
      cwd = *here + "/" + *cwd;
  }
  request["cwd"] = *cwd;
  // Files in the order given, a later one overriding an earlier; then --env over them all,
  // as the most specific.
  env_vars vars;
  for (const auto& file : a.values("env-file")) {
    if (file.empty()) return usage_error(inv, "--env-file needs a file name");
    auto loaded = load_env_file(file);
    if (!loaded) return usage_error(inv, "--env-file: " + loaded.error().message());
    for (auto& [k, v] : *loaded) set_env_var(vars, std::move(k), std::move(v));
  }
  for (const auto& kv : a.values("env")) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return usage_error(inv, "--env needs KEY=VALUE, not '" + kv + "'");
    set_env_var(vars, kv.substr(0, eq), kv.substr(eq + 1));
  }
  if (!vars.empty()) {
    json env = json::object();
    for (auto& [k, v] : vars) env[k] = std::move(v);
    request["env"] = std::move(env);
  }
  if (auto mode = a.value("restart")) {
    if (*mode != "no" && *mode != "on-failure" && *mode != "always")
      return usage_error(inv, "--restart takes no, on-failure or always, not '" + *mode + "'");
    request["restart"] = *mode;
  }
  if (auto max = a.value("restart-max")) {
    auto n = parse_integer("--restart-max", *max);
    if (!n) return usage_error(inv, n.error().message());
    if (*n < 0 || *n > 1000000)
      return usage_error(
          inv, "--restart-max needs a number of restarts from 0 to 1000000, not '" + *max + "'");
    request["restart_max"] = *n;
  }
  if (auto window = a.value("restart-window")) {
    auto seconds = parse_seconds("--restart-window", *window);
    if (!seconds) return usage_error(inv, seconds.error().message());
    if (*seconds <= 0)
      return usage_error(
          inv, "--restart-window needs a number of seconds above 0, not '" + *window + "'");
    request["restart_window"] = *seconds;
  }
  if (auto size = a.value("log-max-bytes")) {
    auto bytes = parse_byte_size(*size);
    if (!bytes || !valid_log_max_bytes(*bytes))
      return usage_error(inv, "--log-max-bytes needs " + std::string(log_max_bytes_rule) +
                                  ", not '" + *size + "'");
    request["log_max_bytes"] = *bytes;
  }
  if (auto count = a.value("log-backups")) {
    auto n = parse_integer("--log-backups", *count);
    if (!n || !valid_log_backups(*n))
      return usage_error(
          inv, "--log-backups needs " + std::string(log_backups_rule) + ", not '" + *count + "'");
    request["log_backups"] = *n;
  }
  // Names are resolved by the daemon, which alone knows whether it may change credentials.
  for (const char* field : {"user", "group"}) {
    if (auto who = a.value(field)) {
      if (who->empty())
        return usage_error(inv,
                           std::string("--") + field + " needs a " + field + " name or numeric id");
      request[field] = *who;
    }
  }

  return simple_call(inv, std::move(request),
                     [&](const json& record) { print_started(inv, record); });
}

// --- join --------------------------------------------------------------------------------

constexpr option_spec join_options[] = {
    {"timeout", 0, true},
    {"verbose", 'v', false},
};

int run_join(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, join_options, a, operand_mode::operands, exit_failed))
    return *done;
  if (a.operands.empty()) return usage_error(inv, "name at least one process to join", exit_failed);
  if (auto bad = check_targets(a.operands)) return usage_error(inv, *bad, exit_failed);
  json request = {{"op", "join"}};
  if (auto bad = take_timeout(inv, a, request, exit_failed)) return *bad;

  auto conn = connect_or_print(inv);
  if (!conn) return exit_failed;
  auto targets = expand(*conn, a.operands);
  if (targets.failure.what != outcome::kind::ok) {
    report_failure(inv, targets.failure);
    return exit_failed;
  }
  auto outcomes = call_each(*conn, request, targets.names);

  print_errors(inv, outcomes);
  if (inv.json)
    print_json_outcomes(inv, targets.names, outcomes);
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
  auto conn = connect_or_print(inv);
  if (!conn) return exit_unreachable;
  auto targets = expand(*conn, a.operands);
  if (targets.failure.what != outcome::kind::ok) {
    report_failure(inv, targets.failure);
    return exit_code(targets.failure);
  }
  auto outcomes = call_each(*conn, request, targets.names);
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

int run_restart(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, stop_options, a)) return *done;
  json request = {{"op", "restart"}};
  if (auto bad = take_timeout(inv, a, request)) return *bad;
  return act_on_targets(inv, a, request, [&](const json& r) {
    inv.out << "restarted " << string_field(r, "name") << " (pid " << number_field(r, "pid")
            << ")\n";
  });
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

// --- logs --------------------------------------------------------------------------------

constexpr option_spec logs_options[] = {
    {"lines", 'n', true}, {"stream", 0, true},    {"timestamps", 0, false},
    {"stderr", 0, false}, {"follow", 'f', false},
};

constexpr long long max_log_lines = 100000;

constexpr double follow_wait_seconds = 0.5;

volatile std::sig_atomic_t interrupted = 0;
extern "C" void note_interrupt(int) { interrupted = 1; }

// Catches SIGINT for as long as it lives, so that Ctrl-C ends `--follow` cleanly (and
// interrupts its sleep: no SA_RESTART), then puts the old disposition back. An ignored
// SIGINT stays ignored: a shell starts background jobs so, and Ctrl-C is not for them.
class interrupt_guard {
 public:
  interrupt_guard() {
    interrupted = 0;
    if (::sigaction(SIGINT, nullptr, &old_) != 0 || old_.sa_handler == SIG_IGN) return;
    struct sigaction sa {};
    sa.sa_handler = note_interrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    installed_ = ::sigaction(SIGINT, &sa, nullptr) == 0;
  }
  ~interrupt_guard() {
    if (installed_) ::sigaction(SIGINT, &old_, nullptr);
  }
  interrupt_guard(const interrupt_guard&) = delete;
  interrupt_guard& operator=(const interrupt_guard&) = delete;

 private:
  struct sigaction old_ {};
  bool installed_ = false;
};

// One process's place in `logs`: where its next lines start, and whether it is done.
struct log_follower {
  std::string name;
  json cursor;
  bool done = false;
};

// Prints a `logs` result's lines: "NAME | " first when several processes are shown, the time
// each was received with --timestamps ("-" when the daemon does not know it).
void print_lines(invocation& inv, const json& result, const std::string& prefix, bool timestamps) {
  for (const auto& line : result.value("lines", json::array())) {
    if (!line.is_object()) continue;
    std::string out = prefix;
    if (timestamps) {
      auto t = line.find("time");
      out += (t != line.end() && t->is_string() ? t->get<std::string>() : std::string("-")) + " ";
    }
    out += line.value("text", "");
    out += '\n';
    inv.out << out;
  }
  inv.out.flush();
}

long long integer_or(const json& j, const char* key, long long fallback) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return fallback;
  return it->get<long long>();
}

void warn_skipped(invocation& inv, const std::string& name, const json& result) {
  if (long long skipped = integer_or(result, "skipped", 0); skipped > 0 && !inv.json)
    inv.err << "shoal: logs: " << skipped << " bytes of " << name
            << "'s output were rotated away before they could be printed\n";
}

int run_logs(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, logs_options, a)) return *done;
  if (a.operands.empty())
    return usage_error(inv, "name at least one TARGET: a process, a program, 'all' or a glob");
  if (auto bad = check_targets(a.operands)) return usage_error(inv, *bad);
  long long count = 10;
  if (auto n = a.value("lines")) {
    auto parsed = parse_integer("-n", *n);
    if (!parsed || *parsed < 0 || *parsed > max_log_lines)
      return usage_error(inv, "-n needs a number of lines from 0 to " +
                                  std::to_string(max_log_lines) + ", not '" + *n + "'");
    count = *parsed;
  }
  std::string stream = a.value("stream").value_or("both");
  if (stream != "stdout" && stream != "stderr" && stream != "both")
    return usage_error(inv, "--stream takes stdout, stderr or both, not '" + stream + "'");
  if (a.has("stderr")) {
    if (a.has("stream") && stream != "stderr")
      return usage_error(inv, "--stderr is --stream stderr; give one or the other");
    stream = "stderr";
  }
  bool timestamps = a.has("timestamps");

  auto conn = connect_or_print(inv);
  if (!conn) return exit_unreachable;
  auto targets = expand(*conn, a.operands);
  if (targets.failure.what != outcome::kind::ok) {
    report_failure(inv, targets.failure);
    return exit_code(targets.failure);
  }
  std::size_t width = 0;
  for (const auto& n : targets.names) width = std::max(width, n.size());
  auto prefix_of = [&](const std::string& name) {
    if (targets.names.size() < 2) return std::string();
    return name + std::string(width - name.size(), ' ') + " | ";
  };

  // The last lines of each, in the order given.
  std::vector<log_follower> followers;
  std::vector<outcome> outcomes =
      call_each(*conn, {{"op", "logs"}, {"stream", stream}, {"lines", count}}, targets.names);
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const outcome& o = outcomes[i];
    if (o.what != outcome::kind::ok) {
      report_failure(inv, o);
      continue;
    }
    if (inv.json)
      print_json(inv.out, o.result);
    else
      print_lines(inv, o.result, prefix_of(targets.names[i]), timestamps);
    followers.push_back({targets.names[i], o.result.value("cursor", json::object()),
                         o.result.value("done", false)});
  }
  int code = worst_exit_code(outcomes);
  if (!a.has("follow") || code != exit_ok) return code;

  // Then what they write, as they write it: one waiting request per process on the one
  // connection, answered as soon as that process writes a line or changes state.
  interrupt_guard guard;
  std::map<std::string, std::size_t> waiting;  // request id (as JSON text) -> follower
  auto ask = [&](std::size_t i) -> bool {
    json r = {{"op", "logs"},
              {"name", followers[i].name},
              {"stream", stream},
              {"cursor", followers[i].cursor},
              {"wait", follow_wait_seconds}};
    auto id = conn->send(std::move(r));
    if (!id) {
      report_failure(inv, classify(id.error()));
      return false;
    }
    waiting[id->dump()] = i;
    return true;
  };
  for (std::size_t i = 0; i < followers.size(); ++i)
    if (!followers[i].done && !ask(i)) return exit_unreachable;
  while (!waiting.empty() && !interrupted) {
    auto reply = conn->receive();
    if (!reply) {
      if (interrupted) break;
      report_failure(inv, classify(reply.error()));
      return exit_unreachable;
    }
    auto it = waiting.find(reply->value("id", json()).dump());
    if (it == waiting.end()) continue;
    std::size_t i = it->second;
    waiting.erase(it);
    auto o = classify(*reply);
    if (o.what != outcome::kind::ok) {
      report_failure(inv, o);
      return exit_code(o);
    }
    log_follower& f = followers[i];
    warn_skipped(inv, f.name, o.result);
    if (inv.json)
      print_json(inv.out, o.result);
    else
      print_lines(inv, o.result, prefix_of(f.name), timestamps);
    f.cursor = o.result.value("cursor", f.cursor);
    // Done once the process has ended for good (exited, or fatal: no restart will come) and
    // every line it wrote has been read; the daemon judges both at the same instant.
    f.done = o.result.value("done", false);
    if (!f.done && !interrupted && !ask(i)) return exit_unreachable;
  }
  return exit_ok;
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

constexpr verb table[] = {
    {"start",
     "start [--name NAME] [--cwd DIR] [--env KEY=VALUE]... [--env-file FILE]... "
     "[--restart MODE] [--user USER] [--group GROUP] [--log-max-bytes BYTES] [--log-backups N] "
     "-- PROGRAM [ARG]...",
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
     "Prints: started NAME (pid PID)\n",
     run_start},
    {"join", "join TARGET... [--timeout SECONDS] [-v]",
     "Wait for processes to exit; exit with the status of the first that failed.",
     "Waits for every process the TARGETs name at once (TARGET: see 'shoal help status'). Exit "
     "status: the process's own exit status, 128+N when a\n"
     "signal N killed it, 124 when --timeout ran out, 125 when shoal itself failed (bad\n"
     "usage, daemon unreachable, no such process). With several names, the first non-zero\n"
     "status in the order given. Prints nothing on success.\n"
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
     "counts it. Exit codes as stop.\n"
     "  --timeout SECONDS   grace period before SIGKILL (default: the daemon's, 10 s)\n"
     "Prints: restarted NAME (pid PID)\n",
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
     "                   JSON line per batch of lines\n",
     run_logs},
    {"ping", "ping", "Check that shoald answers; print its version, pid and socket.",
     "Prints: shoald VERSION, protocol N, pid PID, socket PATH\n", run_ping},
};

}  // namespace

std::span<const verb> process_verbs() { return table; }

}  // namespace shoal::cli
