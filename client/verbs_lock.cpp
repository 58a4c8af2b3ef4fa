// The lock verbs: acquire, release, status, list, delete and run (docs/cli.md, "Shared
// values and the lock"). lock run's program runner is client/command_runner.*.
#include <unistd.h>

#include "client/command_runner.hpp"
#include "client/invocation.hpp"
#include "client/verbs.hpp"

namespace shoal::cli {
namespace {

// `--name L` picks a named lock; without it, the daemon's own. Adds the name to `request`.
std::optional<std::string> lock_name_option(const parsed_args& a, json& request) {
  auto name = a.value("name");
  if (!name) return std::nullopt;
  if (auto bad = check_name("--name", *name)) return bad;
  request["name"] = *name;
  return std::nullopt;
}

std::string lock_label(const json& request) {
  return request.contains("name") ? "lock '" + request["name"].get<std::string>() + "'"
                                  : std::string("the lock");
}

void warn_if_owner_died(invocation& inv, const std::string& label, const json& result) {
  if (result.value("previous_owner_died", false))
    inv.err << "shoal: warning: the previous owner of " << label
            << " died without releasing it; what it protected may be inconsistent\n";
}

constexpr option_spec acquire_options[] = {
    {"nonblock", 'n', false}, {"timeout", 0, true}, {"owner", 0, true}, {"name", 0, true}};

int run_lock_acquire(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, acquire_options, a)) return *done;
  if (auto bad = need_operands(inv, a, 0, 0)) return *bad;
  auto owner = owner_option(a);
  if (!owner) return usage_error(inv, owner.error().message());
  json request = {{"op", "lock_acquire"}, {"owner", *owner}, {"blocking", !a.has("nonblock")}};
  if (auto bad = lock_name_option(a, request)) return usage_error(inv, *bad);
  if (auto bad = take_timeout(inv, a, request)) return *bad;
  auto conn = connect_or_print(inv);
  if (!conn) return exit_unreachable;
  std::string label = lock_label(request);
  auto o = call_once(inv, *conn, std::move(request));
  if (o.what != outcome::kind::ok) return exit_code(o);
  if (inv.json) print_json(inv.out, o.result);
  bool acquired = o.result.value("acquired", false);
  if (acquired) warn_if_owner_died(inv, label, o.result);
  return acquired ? exit_ok : exit_refused;
}

constexpr option_spec release_options[] = {
    {"owner", 0, true}, {"force", 0, false}, {"name", 0, true}};

int run_lock_release(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, release_options, a)) return *done;
  if (auto bad = need_operands(inv, a, 0, 0)) return *bad;
  auto owner = owner_option(a);
  if (!owner) return usage_error(inv, owner.error().message());
  json request = {{"op", "lock_release"}, {"owner", *owner}};
  if (auto bad = lock_name_option(a, request)) return usage_error(inv, *bad);
  if (a.has("force")) request["force"] = true;
  return simple_call(inv, std::move(request), [](const json&) {});
}

// "free", "held by pid P since T" or "held (holder not recorded yet)".
std::string lock_state_text(const json& r) {
  if (!r.value("held", false)) return "free";
  const json& owner = r.contains("owner") ? r["owner"] : json();
  if (owner.is_number_integer())
    return "held by pid " + std::to_string(owner.get<long long>()) + " since " +
           text_of(r.value("since", json()));
  return "held (holder not recorded yet)";
}

constexpr option_spec name_options[] = {{"name", 0, true}};

int run_lock_status(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, name_options, a)) return *done;
  if (auto bad = need_operands(inv, a, 0, 0)) return *bad;
  json request = {{"op", "lock_status"}};
  if (auto bad = lock_name_option(a, request)) return usage_error(inv, *bad);
  return simple_call(inv, std::move(request),
                     [&](const json& r) { inv.out << lock_state_text(r) << "\n"; });
}

int run_lock_list(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, {}, a)) return *done;
  if (auto bad = need_operands(inv, a, 0, 0)) return *bad;
  return simple_call(inv, {{"op", "lock_list"}}, [&](const json& r) {
    for (const auto& lock : r.value("locks", json::array()))
      inv.out << lock.value("name", "") << "\t" << lock_state_text(lock) << "\n";
  });
}

int run_lock_delete(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, name_options, a)) return *done;
  if (auto bad = need_operands(inv, a, 0, 0)) return *bad;
  json request = {{"op", "lock_delete"}};
  if (!a.has("name")) return usage_error(inv, "which lock? (--name NAME)");
  if (auto bad = lock_name_option(a, request)) return usage_error(inv, *bad);
  return simple_call(inv, std::move(request), [](const json&) {});
}

constexpr option_spec run_options[] = {{"timeout", 0, true}, {"name", 0, true}};

// The program is the holder, as a descriptor the program inherits is flock(1)'s: started
// first and held at its exec, it is the owner the lock is taken for, with release_on_exit. So
// the lock lasts as long as the program runs, whatever happens to this shoal process, and
// shoald releases it when the program ends if we cannot.
int run_lock_run(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, run_options, a, operand_mode::command, exit_failed))
    return *done;
  if (a.command.empty())
    return usage_error(inv, "missing PROGRAM (put it after '--')", exit_failed);
  json request = {{"op", "lock_acquire"}, {"blocking", true}, {"release_on_exit", true}};
  if (auto bad = lock_name_option(a, request)) return usage_error(inv, *bad, exit_failed);
  if (auto bad = take_timeout(inv, a, request, exit_failed)) return *bad;
  auto conn = connect_or_print(inv);
  if (!conn) return exit_failed;
  auto program = held_command::start(a.command);
  if (!program) {
    inv.err << "shoal: " << program.error().message() << "\n";
    return exit_failed;
  }
  std::string label = lock_label(request);
  request["owner"] = static_cast<long long>(program->pid());
  json release = {{"op", "lock_release"}, {"owner", static_cast<long long>(program->pid())}};
  if (request.contains("name")) release["name"] = request["name"];
  // Until run(), leaving this function makes the held program exit without running.
  auto o = call_once(inv, *conn, std::move(request));
  if (o.what != outcome::kind::ok) return exit_failed;
  if (!o.result.value("acquired", false)) {
    inv.err << "shoal: timeout: " << label << " stayed held; did not run '" << a.command[0]
            << "'\n";
    return exit_timeout;
  }
  warn_if_owner_died(inv, label, o.result);

  int code = program->run(inv.err);

  // The program is a zombie until reap(): its pid cannot name another process meanwhile. The
  // daemon may have released the lock already on seeing it end (then it is not held, or held
  // by someone else by now); either way it is free of this program once we answer.
  auto r = classify(conn->call(release));
  if (r.what == outcome::kind::failed) {
    // The daemon may have restarted meanwhile: try once more on a new connection.
    if (auto again = connection::open(inv.socket_path)) r = classify(again->call(release));
  }
  bool released_already =
      r.what == outcome::kind::refused && (r.code == "invalid_state" || r.code == "not_owner");
  if (r.what != outcome::kind::ok && !released_already) report_failure(inv, r);
  program->reap();
  return code;
}

constexpr verb verbs[] = {
    {"lock acquire", "lock acquire [--name NAME] [--nonblock] [--timeout S] [--owner PID]",
     "Take the shared lock (or a named one); exit 0 if acquired, 1 if not.",
     "  --name NAME     a named lock, created free if it does not exist yet (default: the\n"
     "                  daemon's own lock)\n"
     "  --nonblock, -n  do not wait: exit 1 at once when the lock is held\n"
     "  --timeout S     wait at most S seconds\n"
     "  --owner PID     the process that holds it (default: the caller of shoal, so a\n"
     "                  script can release it in a later command)\n"
     "When the previous owner died holding the lock, a warning goes to stderr.\n",
     run_lock_acquire},
    {"lock release", "lock release [--name NAME] [--owner PID] [--force]",
     "Release the shared lock (or a named one).",
     "  --name NAME   a named lock (default: the daemon's own lock)\n"
     "  --owner PID   release on behalf of PID (default: the caller of shoal)\n"
     "  --force       release it whoever holds it\n",
     run_lock_release},
    {"lock status", "lock status [--name NAME]",
     "Show whether the lock is held, by whom and since when.",
     "  --name NAME   a named lock (default: the daemon's own lock)\n", run_lock_status},
    {"lock run", "lock run [--name NAME] [--timeout S] -- PROGRAM [ARG]...",
     "Run a program while holding the lock (or a named one), like flock(1).",
     "  --name NAME   a named lock, created free if it does not exist yet\n"
     "  --timeout S   wait at most S seconds for the lock; the program does not run then\n"
     "The program itself holds the lock, as with flock(1): it lasts as long as the program\n"
     "runs, even if shoal is killed, and is released however the program ends.\n"
     "Exits with the program's status (128+N when killed by signal N), 124 when the lock\n"
     "stayed held past --timeout, 125 when shoal failed, 126/127 when the program could not\n"
     "be run.\n",
     run_lock_run},
    {"lock list", "lock list", "List the named locks: name, then free or who holds it since when.",
     "", run_lock_list},
    {"lock delete", "lock delete --name NAME", "Delete a named lock that nobody holds.", "",
     run_lock_delete},
};

}  // namespace

std::span<const verb> lock_verbs() { return verbs; }

}  // namespace shoal::cli
