// `shoal logs`: the last lines of each process, then with --follow what they write next, on
// one connection with one waiting request per process.
#include <signal.h>

#include <algorithm>
#include <csignal>
#include <map>
#include <optional>

#include "client/process_targets.hpp"
#include "client/reconnect.hpp"
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

// The daemon answers a cursor past the end of a stream from its end: the log files it found
// at a restart hold less than the one before it counted (they were cut or deleted by hand, or
// its offsets could not be kept, docs/logging.md), so lines may be missing or repeated.
void warn_moved_back(invocation& inv, const log_follower& f, const json& result) {
  auto now = result.find("cursor");
  if (now == result.end() || !now->is_object() || !f.cursor.is_object()) return;
  for (const char* key : {"stdout", "stderr"}) {
    long long before = integer_or(f.cursor, key, 0), after = integer_or(*now, key, 0);
    if (after < before)
      inv.err << "shoal: logs: " << f.name << "'s " << key << " no longer reaches offset " << before
              << " (its log files changed while shoald was away); going on from " << after
              << ", so lines may be missing or repeated\n";
  }
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
  // connection, answered as soon as that process writes a line or changes state. A lost
  // connection is taken up again on the next daemon from the same cursors, which count the
  // bytes of the log files, and those outlive the daemon (docs/restore.md).
  interrupt_guard guard;
  std::map<std::string, std::size_t> waiting;  // request id (as JSON text) -> follower
  // Sends follower i's next request; the failure when the connection would not take it.
  auto ask = [&](std::size_t i) -> std::optional<outcome> {
    json r = {{"op", "logs"},
              {"name", followers[i].name},
              {"stream", stream},
              {"cursor", followers[i].cursor},
              {"wait", follow_wait_seconds}};
    auto id = conn.send(std::move(r));
    if (!id) return classify(id.error());
    waiting[id->dump()] = i;
    return std::nullopt;
  };
  for (;;) {
    std::optional<outcome> lost;
    for (std::size_t i = 0; i < followers.size() && !lost; ++i)
      if (!followers[i].done) lost = ask(i);
    while (!lost && !waiting.empty() && !interrupted) {
      auto reply = conn.receive();
      if (!reply) {
        if (!interrupted) lost = classify(reply.error());
        break;
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
      warn_moved_back(inv, f, o.result);
      if (inv.json)
        print_json(inv.out, o.result);
      else
        print_lines(inv, o.result, prefix_of(f.name), timestamps);
      f.cursor = o.result.value("cursor", f.cursor);
      // Done once the process has ended for good (exited, or fatal: no restart will come) and
      // every line it wrote has been read; the daemon judges both at the same instant.
      f.done = o.result.value("done", false);
      if (!f.done && !interrupted) lost = ask(i);
    }
    if (!lost || interrupted) return exit_ok;
    waiting.clear();
    auto again = reconnect(inv, "following logs", std::nullopt, [] { return interrupted != 0; });
    if (!again) {
      if (interrupted) return exit_ok;
      report_failure(inv, *lost);
      return exit_unreachable;
    }
    conn = std::move(*again);
  }
}

}  // namespace shoal::cli
