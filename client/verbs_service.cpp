// The service verbs: reload (re-read the daemon's programs file), watch (its live events) and
// daemon reexec (an upgrade in place).
#include <algorithm>
#include <optional>
#include <string>
#include <vector>
#include "client/output.hpp"

#include "client/event_text.hpp"
#include "client/invocation.hpp"
#include "client/process_targets.hpp"
#include "client/reconnect.hpp"
#include "client/verbs.hpp"

namespace shoal::cli {
namespace {

std::string joined(const json& result, const char* key) {
  std::string out;
  auto it = result.find(key);
  if (it == result.end() || !it->is_array()) return "-";
  for (const auto& n : *it) {
    if (!n.is_string()) continue;
    if (!out.empty()) out += ", ";
    out += n.get<std::string>();
  }
  return out.empty() ? "-" : out;
}

// --- reload ------------------------------------------------------------------------------

int run_reload(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, {}, a)) return *done;
  if (!a.operands.empty()) return usage_error(inv, "reload takes no operands");
  return simple_call(inv, {{"op", "reload"}}, [&](const json& r) {
    if (!r.is_object()) return;
    for (const char* key : {"added", "removed", "changed", "unchanged"})
      inv.out << key << ": " << joined(r, key) << "\n";
    if (auto failed = r.find("failed"); failed != r.end() && failed->is_array())
      for (const auto& f : *failed)
        if (f.is_object())
          inv.err << "shoal: reload: could not start " << f.value("name", std::string("?")) << ": "
                  << f.value("error", std::string("?")) << "\n";
  });
}

// --- daemon reexec ------------------------------------------------------------------------

int run_daemon_reexec(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, {}, a)) return *done;
  if (!a.operands.empty()) return usage_error(inv, "daemon reexec takes no operands");
  auto conn = connect_or_print(inv);
  if (!conn) return exit_unreachable;
  // The answer comes from the new image, once it serves: before, from the old one, only when
  // the exec failed.
  auto o = classify(conn->call({{"op", "reexec"}}));
  if (o.what == outcome::kind::failed)
    o.message += "; the new shoald may have failed to start: see its log";
  if (o.what != outcome::kind::ok) {
    report_failure(inv, o);
    return exit_code(o);
  }
  if (inv.json) {
    print_json(inv.out, o.result);
    return exit_ok;
  }
  inv.out << "shoald " << o.result.value("version", std::string("?")) << " serving as pid "
          << o.result.value("pid", 0) << ", keeper pid "
          << (o.result.contains("keeper") && o.result["keeper"].is_number_integer()
                  ? std::to_string(o.result["keeper"].get<long long>())
                  : std::string("-"))
          << "\n";
  return exit_ok;
}

// --- watch -------------------------------------------------------------------------------

long long integer_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<long long>() : 0;
}

// After a reconnection: a daemon started again numbers its events from 1 (its `epoch` is
// another), so the watch goes on with all it holds; what the one before had not sent when it
// went away is lost. Said on stderr, and in the JSON stream for scripts.
void say_reconnected(invocation& inv, bool readable, const std::string& epoch, bool renumbered,
                     long long missed) {
  if (renumbered)
    inv.err << "shoal: watch: shoald at " << inv.socket_path
            << " is a new daemon (restarted or upgraded) that numbers its events from 1 again; "
               "events the old one had not yet sent may have been missed\n";
  if (readable) return;
  print_json(inv.out, {{"reconnected",
                        {{"socket", inv.socket_path},
                         {"epoch", epoch},
                         {"renumbered", renumbered},
                         {"lost", missed}}}});
}

constexpr option_spec watch_options[] = {
    {"since", 0, true},
    {"count", 'n', true},
};

int run_watch(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, watch_options, a)) return *done;
  if (auto bad = check_targets(a.operands)) return usage_error(inv, *bad);
  json request = {{"op", "watch"}};
  if (!a.operands.empty()) request["names"] = a.operands;
  if (auto since = a.value("since")) {
    auto seq = parse_integer("--since", *since);
    if (!seq) return usage_error(inv, seq.error().message());
    if (*seq < 0) return usage_error(inv, "--since needs a sequence number, 0 or more");
    request["since"] = *seq;
  }
  long long count = -1;
  if (auto c = a.value("count")) {
    auto n = parse_integer("--count", *c);
    if (!n) return usage_error(inv, n.error().message());
    if (*n < 1) return usage_error(inv, "--count needs a number of events, 1 or more");
    count = *n;
  }

  auto conn = connect_or_print(inv);
  if (!conn) return exit_unreachable;
  bool readable = inv.out_is_tty && !inv.json;
  // Where the watch stands, to take it up again on the next daemon: the newest seq it knows
  // and the numbering that seq belongs to (a new daemon numbers from 1 again).
  std::string epoch;
  long long seen = 0;
  long long printed = 0;
  for (bool again = false;; again = true) {
    if (again) {
      request["since"] = seen;
      request["epoch"] = epoch;
    }
    auto o = classify(conn->call(request));
    std::optional<outcome> lost;
    if (o.what == outcome::kind::failed && again) {
      lost = o;
    } else if (o.what != outcome::kind::ok) {
      report_failure(inv, o);
      return exit_code(o);
    } else {
      std::string now = o.result.value("epoch", std::string());
      bool renumbered = again && (now.empty() || now != epoch);
      long long missed = integer_field(o.result, "lost");
      if (missed > 0)
        inv.err << "shoal: watch: " << missed << " event(s) after "
                << (again ? "the last one seen" : "--since")
                << " are no longer held by shoald and were missed\n";
      if (again) say_reconnected(inv, readable, now, renumbered, missed);
      epoch = now;
      seen = renumbered ? integer_field(o.result, "seq")
                        : std::max(seen, integer_field(o.result, "seq"));
    }
    // The ok reply came first; every later line on this connection is an event.
    while (!lost && (count < 0 || printed < count)) {
      auto line = conn->receive();
      if (!line) {
        lost = classify(line);
        break;
      }
      auto event = line->find("event");
      if (event == line->end() || !event->is_object()) continue;
      seen = std::max(seen, integer_field(*event, "seq"));
      // A person at a terminal reads sentences; a pipe or --json gets the events verbatim.
      if (readable) {
        inv.out << format_event_line(*event, inv.color) << "\n";
        inv.out.flush();
      } else {
        print_json(inv.out, *event);
      }
      ++printed;
    }
    if (!lost) return exit_ok;
    auto next = reconnect(inv, "watching", std::nullopt);
    if (!next) {
      report_failure(inv, *lost);
      return exit_unreachable;
    }
    *conn = std::move(*next);
  }
}

constexpr verb service_table[] = {
    {"reload", "reload", "Re-read shoald's programs file and apply it.",
     "New programs start, removed ones stop, changed ones restart, unchanged ones are left\n"
     "alone (like 'supervisorctl update'). An invalid file is refused as a whole, with its\n"
     "line and the reason, and the programs in force stay as they are (exit 1).\n"
     "Prints: added: NAMES / removed: NAMES / changed: NAMES / unchanged: NAMES\n"
     "  --json   print {\"file\", \"added\", \"removed\", \"changed\", \"unchanged\", "
     "\"failed\"}\n",
     run_reload},
    {"daemon reexec", "daemon reexec [--json]",
     "Upgrade shoald in place: it executes its binary again, keeping every child.",
     "shoald executes the file now installed at the path it was started from, with the same\n"
     "arguments and pid, keeping its socket open: no child is stopped, no client is refused,\n"
     "and every process is adopted by the new image as after a restart (docs/restore.md).\n"
     "Other connections are closed; join, logs --follow and watch connect again by themselves.\n"
     "Prints: shoald VERSION serving as pid PID, keeper pid PID (the new image's hello).\n"
     "Exit 1 when the exec failed (the old shoald goes on running; the message says why);\n"
     "exit 3 when the new image could not start (see shoald's log).\n"
     "  --json   print the new image's hello result\n",
     run_daemon_reexec},
    {"watch", "watch [TARGET]... [--since SEQ] [--count N] [--json]",
     "Print shoald's events as they happen.",
     "On a terminal, one line per event: TIME #SEQ what happened (web-1 exited with 1 ...).\n"
     "With --json, or when stdout is not a terminal, one JSON object per line:\n"
     "{\"seq\", \"type\", \"name\", \"time\", ...}; types are started, exited, stopped,\n"
     "restarting, fatal, lock_recovered, value_created, value_deleted.\n"
     "With TARGETs, only events of those processes, programs or values: a name, 'all', or\n"
     "a quoted glob, which also matches processes started later. Runs until Ctrl-C.\n"
     "When shoald goes away, waits up to 30 s for it to come back and goes on with its\n"
     "events (a new daemon numbers them from 1 again: stderr, and with JSON a\n"
     "{\"reconnected\": ...} line, say events may have been missed); exit 3 if none does.\n"
     "  --since SEQ   first replay the events after SEQ that shoald still holds (a warning\n"
     "                on stderr says how many were missed, if any)\n"
     "  -n, --count N exit 0 after N events (counted across reconnections)\n",
     run_watch},
};

}  // namespace

std::span<const verb> service_verbs() { return service_table; }

}  // namespace shoal::cli
