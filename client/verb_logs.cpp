// `shoal logs`: the last lines of each process, then with --follow what they write next, on
// one connection with one waiting request per process.
#include <signal.h>

#include <algorithm>
#include <csignal>
#include <map>

#include "client/process_targets.hpp"
#include "client/verbs_process_run.hpp"

namespace shoal::cli {
namespace {

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

}  // namespace

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

  auto targets = reach_targets(inv, a.operands);
  if (!targets.conn) return targets.exit;
  connection& conn = *targets.conn;
  std::size_t width = 0;
  for (const auto& n : targets.names) width = std::max(width, n.size());
  auto prefix_of = [&](const std::string& name) {
    if (targets.names.size() < 2) return std::string();
    return name + std::string(width - name.size(), ' ') + " | ";
  };

  // The last lines of each, in the order given.
  std::vector<log_follower> followers;
  std::vector<outcome> outcomes =
      call_each(conn, {{"op", "logs"}, {"stream", stream}, {"lines", count}}, targets.names);
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
    auto id = conn.send(std::move(r));
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
    auto reply = conn.receive();
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

}  // namespace shoal::cli
