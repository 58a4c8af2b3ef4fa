// The shared-state verbs: value, array and lock (docs/cli.md, "Shared values and the lock").
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "client/command_runner.hpp"
#include "client/invocation.hpp"
#include "client/verbs.hpp"

namespace shoal::cli {
namespace {

// A number on the command line goes to the daemon as a JSON number whenever it is one, so
// that 2^63, -1, 1e308 are judged (and refused) there; anything else ("nan", "a") is sent as
// a string, which the daemon accepts only where a string makes sense.
json cli_value(const std::string& text) {
  json parsed = json::parse(text, nullptr, false);
  if (!parsed.is_discarded() && parsed.is_number()) return parsed;
  return text;
}

// For typecode 'c' every word is a character, even "5".
json cli_value_for(char typecode, const std::string& text) {
  return typecode == 'c' ? json(text) : cli_value(text);
}

// A one-digit word is ambiguous between a number and a 'c' character; ask the daemon which
// typecode the entry has. Anything else needs no round trip.
json cli_value_of(connection& conn, const char* get_op, const std::string& name, const std::string& text) {
  if (text.size() == 1 && text[0] >= '0' && text[0] <= '9') {
    auto reply = conn.call(json{{"op", get_op}, {"name", name}});
    auto o = classify(reply);
    if (o.what == outcome::kind::ok && o.result.value("typecode", "") == "c") return text;
  }
  return cli_value(text);
}

std::string text_of(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string join_values(const json& values) {
  std::string out;
  if (!values.is_array()) return out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ",";
    out += text_of(values[i]);
  }
  return out;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, ',')) parts.push_back(part);
  if (!text.empty() && text.back() == ',') parts.emplace_back();
  return parts;
}

// Sends one request and reports like simple_call, but hands back the outcome.
outcome call_once(invocation& inv, connection& conn, json request) {
  auto o = classify(conn.call(std::move(request)));
  report_failure(inv, o);
  return o;
}

// The operands the verb's synopsis names ("NAME", "TYPECODE", "[INITIAL]"), in order.
std::vector<std::string> synopsis_operands(const verb& v) {
  std::vector<std::string> words;
  std::istringstream in{std::string(v.synopsis.substr(v.name.size()))};
  for (std::string w; in >> w;)
    if (!w.empty() && w[0] != '-' && (w[0] != '[' || (w.size() > 1 && w[1] != '-'))) words.push_back(w);
  return words;
}

std::optional<int> need_operands(invocation& inv, const parsed_args& a, std::size_t least, std::size_t most) {
  if (a.operands.size() < least) {
    auto names = inv.current ? synopsis_operands(*inv.current) : std::vector<std::string>{};
    std::string missing = a.operands.size() < names.size() ? names[a.operands.size()] : "operand";
    return usage_error(inv, "missing " + missing + " (usage: shoal " +
                                std::string(inv.current ? inv.current->synopsis : "") + ")");
  }
  if (a.operands.size() > most) return usage_error(inv, "too many operands: '" + a.operands[most] + "'");
  return std::nullopt;
}

std::optional<int> check_entry_name(invocation& inv, const std::string& name) {
  if (auto bad = check_name("name", name)) return usage_error(inv, *bad);
  return std::nullopt;
}

// --- value ------------------------------------------------------------------------------

int run_value_create(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, {}, a)) return *done;
  if (auto bad = need_operands(inv, a, 2, 3)) return *bad;
  if (auto bad = check_entry_name(inv, a.operands[0])) return *bad;
  const std::string& code = a.operands[1];
  json request = {{"op", "value_create"}, {"name", a.operands[0]}, {"typecode", code}};
  if (a.operands.size() == 3) request["value"] = cli_value_for(code == "c" ? 'c' : 0, a.operands[2]);
  return simple_call(inv, std::move(request), [](const json&) {});
}

int run_value_get(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, {}, a)) return *done;
  if (auto bad = need_operands(inv, a, 1, 1)) return *bad;
  if (auto bad = check_entry_name(inv, a.operands[0])) return *bad;
  return simple_call(inv, {{"op", "value_get"}, {"name", a.operands[0]}},
                     [&](const json& r) { inv.out << text_of(r.value("value", json())) << "\n"; });
}

int run_value_set(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, {}, a)) return *done;
  if (auto bad = need_operands(inv, a, 2, 2)) return *bad;
  if (auto bad = check_entry_name(inv, a.operands[0])) return *bad;
  auto conn = connection::open(inv.socket_path);
  if (!conn) {
    report_failure(inv, classify(conn.error()));
    return exit_unreachable;
  }
  json request = {{"op", "value_set"},
                  {"name", a.operands[0]},
                  {"value", cli_value_of(*conn, "value_get", a.operands[0], a.operands[1])}};
  auto o = call_once(inv, *conn, std::move(request));
  if (o.what == outcome::kind::ok && inv.json) print_json(inv.out, o.result);
  return exit_code(o);
}

result<long long> owner_option(const parsed_args& a);

// Waiting for the lock ran out: like timeout(1), join and lock run, so that a script can tell
// it from a refusal and `value cas` can tell it from "not swapped".
constexpr int exit_lock_timeout = 124;

constexpr option_spec locked_options[] = {{"timeout", 0, true}, {"owner", 0, true}};

// Adds 'owner' and 'timeout' to a request that takes the lock; a usage message when wrong.
std::optional<std::string> locked_fields(const parsed_args& a, json& request) {
  auto owner = owner_option(a);
  if (!owner) return owner.error().message();
  request["owner"] = *owner;
  if (auto t = a.value("timeout")) {
    auto s = parse_seconds("--timeout", *t);
    if (!s) return s.error().message();
    request["timeout"] = *s;
  }
  return std::nullopt;
}

int locked_exit_code(const outcome& o) {
  return o.what == outcome::kind::refused && o.code == "timeout" ? exit_lock_timeout : exit_code(o);
}

int run_value_add(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, locked_options, a)) return *done;
  if (auto bad = need_operands(inv, a, 2, 2)) return *bad;
  if (auto bad = check_entry_name(inv, a.operands[0])) return *bad;
  json request = {{"op", "value_add"}, {"name", a.operands[0]}, {"delta", cli_value(a.operands[1])}};
  if (auto bad = locked_fields(a, request)) return usage_error(inv, *bad);
  auto conn = connection::open(inv.socket_path);
  if (!conn) {
    report_failure(inv, classify(conn.error()));
    return exit_unreachable;
  }
  auto o = call_once(inv, *conn, std::move(request));
  if (o.what != outcome::kind::ok) return locked_exit_code(o);
  if (inv.json) print_json(inv.out, o.result);
  else inv.out << text_of(o.result.value("value", json())) << "\n";
  return exit_ok;
}

int run_value_cas(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, locked_options, a)) return *done;
  if (auto bad = need_operands(inv, a, 3, 3)) return *bad;
  if (auto bad = check_entry_name(inv, a.operands[0])) return *bad;
  json fields;
  if (auto bad = locked_fields(a, fields)) return usage_error(inv, *bad);
  auto conn = connection::open(inv.socket_path);
  if (!conn) {
    report_failure(inv, classify(conn.error()));
    return exit_unreachable;
  }
  json request = {{"op", "value_cas"},
                  {"name", a.operands[0]},
                  {"expected", cli_value_of(*conn, "value_get", a.operands[0], a.operands[1])},
                  {"new", cli_value_of(*conn, "value_get", a.operands[0], a.operands[2])}};
  request.update(fields);
  auto o = call_once(inv, *conn, std::move(request));
  if (o.what != outcome::kind::ok) return locked_exit_code(o);
  bool swapped = o.result.value("swapped", false);
  if (inv.json) print_json(inv.out, o.result);
  else inv.out << text_of(o.result.value("value", json())) << "\n";
  return swapped ? exit_ok : exit_refused;
}

int run_value_list(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, {}, a)) return *done;
  if (auto bad = need_operands(inv, a, 0, 0)) return *bad;
  return simple_call(inv, {{"op", "value_list"}}, [&](const json& r) {
    std::vector<std::array<std::string, 4>> rows{{"NAME", "KIND", "TYPE", "VALUE"}};
    for (const auto& e : r.value("entries", json::array())) {
      std::string kind = e.value("kind", "?");
      std::string type = e.value("typecode", "?");
      if (kind == "array") type += "[" + std::to_string(e.value("length", 0)) + "]";
      rows.push_back({e.value("name", "?"), kind, type,
                      kind == "array" ? join_values(e.value("values", json::array()))
                                      : text_of(e.value("value", json()))});
    }
    std::array<std::size_t, 3> width{};
    for (const auto& row : rows)
      for (std::size_t c = 0; c < 3; ++c) width[c] = std::max(width[c], row[c].size());
    for (const auto& row : rows) {
      for (std::size_t c = 0; c < 3; ++c) inv.out << row[c] << std::string(width[c] - row[c].size() + 2, ' ');
      inv.out << row[3] << "\n";
    }
  });
}

int run_delete(invocation& inv, const char* op) {
  parsed_args a;
  if (auto done = parse_invocation(inv, {}, a)) return *done;
  if (auto bad = need_operands(inv, a, 1, 1)) return *bad;
  if (auto bad = check_entry_name(inv, a.operands[0])) return *bad;
  return simple_call(inv, {{"op", op}, {"name", a.operands[0]}}, [](const json&) {});
}
int run_value_delete(invocation& inv) { return run_delete(inv, "value_delete"); }
int run_array_delete(invocation& inv) { return run_delete(inv, "array_delete"); }

// --- array ------------------------------------------------------------------------------

constexpr option_spec array_create_options[] = {{"values", 0, true}};

int run_array_create(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, array_create_options, a)) return *done;
  if (auto bad = need_operands(inv, a, 3, 3)) return *bad;
  if (auto bad = check_entry_name(inv, a.operands[0])) return *bad;
  auto length = parse_integer("LENGTH", a.operands[2]);
  if (!length) return usage_error(inv, length.error().message());
  if (*length < 1) return usage_error(inv, "LENGTH needs 1 or more elements, not " + a.operands[2]);
  const std::string& code = a.operands[1];
  json request = {{"op", "array_create"}, {"name", a.operands[0]}, {"typecode", code}, {"length", *length}};
  if (auto values = a.value("values")) {
    auto parts = split_commas(*values);
    if (static_cast<long long>(parts.size()) != *length)
      return usage_error(inv, "--values has " + std::to_string(parts.size()) +
                                  " element(s) but LENGTH is " + std::to_string(*length));
    json list = json::array();
    for (const auto& v : parts) list.push_back(cli_value_for(code == "c" ? 'c' : 0, v));
    request["values"] = std::move(list);
  }
  return simple_call(inv, std::move(request), [](const json&) {});
}

int run_array_get(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, {}, a)) return *done;
  if (auto bad = need_operands(inv, a, 1, 2)) return *bad;
  if (auto bad = check_entry_name(inv, a.operands[0])) return *bad;
  json request = {{"op", "array_get"}, {"name", a.operands[0]}};
  if (a.operands.size() == 2) {
    auto index = parse_integer("INDEX", a.operands[1]);
    if (!index) return usage_error(inv, index.error().message());
    request["index"] = *index;
  }
  return simple_call(inv, std::move(request), [&](const json& r) {
    if (r.contains("values")) inv.out << join_values(r["values"]) << "\n";
    else inv.out << text_of(r.value("value", json())) << "\n";
  });
}

int run_array_set(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, {}, a)) return *done;
  if (auto bad = need_operands(inv, a, 3, 3)) return *bad;
  if (auto bad = check_entry_name(inv, a.operands[0])) return *bad;
  auto index = parse_integer("INDEX", a.operands[1]);
  if (!index) return usage_error(inv, index.error().message());
  auto conn = connection::open(inv.socket_path);
  if (!conn) {
    report_failure(inv, classify(conn.error()));
    return exit_unreachable;
  }
  json request = {{"op", "array_set"},
                  {"name", a.operands[0]},
                  {"index", *index},
                  {"value", cli_value_of(*conn, "array_get", a.operands[0], a.operands[2])}};
  auto o = call_once(inv, *conn, std::move(request));
  if (o.what == outcome::kind::ok && inv.json) print_json(inv.out, o.result);
  return exit_code(o);
}

// --- lock -------------------------------------------------------------------------------

result<long long> owner_option(const parsed_args& a) {
  if (auto o = a.value("owner")) {
    auto pid = parse_integer("--owner", *o);
    if (!pid) return pid.error();
    if (*pid <= 0) return status{errc::bad_request, "--owner needs a process id, not " + *o};
    return *pid;
  }
  // The script that ran us: it can acquire in one command and release in a later one.
  return static_cast<long long>(::getppid());
}

// `--name L` picks a named lock; without it, the daemon's own. Adds the name to `request`.
std::optional<std::string> lock_name_option(const parsed_args& a, json& request) {
  auto name = a.value("name");
  if (!name) return std::nullopt;
  if (auto bad = check_name("--name", *name)) return bad;
  request["name"] = *name;
  return std::nullopt;
}

std::string lock_label(const json& request) {
  return request.contains("name") ? "lock '" + request["name"].get<std::string>() + "'" : std::string("the lock");
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
  if (auto t = a.value("timeout")) {
    auto s = parse_seconds("--timeout", *t);
    if (!s) return usage_error(inv, s.error().message());
    request["timeout"] = *s;
  }
  auto conn = connection::open(inv.socket_path);
  if (!conn) {
    report_failure(inv, classify(conn.error()));
    return exit_unreachable;
  }
  std::string label = lock_label(request);
  auto o = call_once(inv, *conn, std::move(request));
  if (o.what != outcome::kind::ok) return exit_code(o);
  if (inv.json) print_json(inv.out, o.result);
  bool acquired = o.result.value("acquired", false);
  if (acquired) warn_if_owner_died(inv, label, o.result);
  return acquired ? exit_ok : exit_refused;
}

constexpr option_spec release_options[] = {{"owner", 0, true}, {"force", 0, false}, {"name", 0, true}};

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
    return "held by pid " + std::to_string(owner.get<long long>()) + " since " + text_of(r.value("since", json()));
  return "held (holder not recorded yet)";
}

constexpr option_spec name_options[] = {{"name", 0, true}};

int run_lock_status(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, name_options, a)) return *done;
  if (auto bad = need_operands(inv, a, 0, 0)) return *bad;
  json request = {{"op", "lock_status"}};
  if (auto bad = lock_name_option(a, request)) return usage_error(inv, *bad);
  return simple_call(inv, std::move(request), [&](const json& r) { inv.out << lock_state_text(r) << "\n"; });
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

constexpr int exit_lock_failed = 125;

constexpr option_spec run_options[] = {{"timeout", 0, true}, {"name", 0, true}};

// The program is the holder, as a descriptor the program inherits is flock(1)'s: started
// first and held at its exec, it is the owner the lock is taken for, with release_on_exit. So
// the lock lasts as long as the program runs, whatever happens to this shoal process, and
// shoald releases it when the program ends if we cannot.
int run_lock_run(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, run_options, a, operand_mode::command, exit_lock_failed)) return *done;
  if (a.command.empty()) return usage_error(inv, "missing PROGRAM (put it after '--')", exit_lock_failed);
  json request = {{"op", "lock_acquire"}, {"blocking", true}, {"release_on_exit", true}};
  if (auto bad = lock_name_option(a, request)) return usage_error(inv, *bad, exit_lock_failed);
  if (auto t = a.value("timeout")) {
    auto s = parse_seconds("--timeout", *t);
    if (!s) return usage_error(inv, s.error().message(), exit_lock_failed);
    request["timeout"] = *s;
  }
  auto conn = connection::open(inv.socket_path);
  if (!conn) {
    report_failure(inv, classify(conn.error()));
    return exit_lock_failed;
  }
  auto program = held_command::start(a.command);
  if (!program) {
    inv.err << "shoal: " << program.error().message() << "\n";
    return exit_lock_failed;
  }
  std::string label = lock_label(request);
  request["owner"] = static_cast<long long>(program->pid());
  json release = {{"op", "lock_release"}, {"owner", static_cast<long long>(program->pid())}};
  if (request.contains("name")) release["name"] = request["name"];
  // Until run(), leaving this function makes the held program exit without running.
  auto o = call_once(inv, *conn, std::move(request));
  if (o.what != outcome::kind::ok) return exit_lock_failed;
  if (!o.result.value("acquired", false)) {
    inv.err << "shoal: timeout: " << label << " stayed held; did not run '" << a.command[0] << "'\n";
    return exit_lock_timeout;
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
  bool released_already = r.what == outcome::kind::refused && (r.code == "invalid_state" || r.code == "not_owner");
  if (r.what != outcome::kind::ok && !released_already) report_failure(inv, r);
  program->reap();
  return code;
}

constexpr verb verbs[] = {
    {"value create", "value create NAME TYPECODE [INITIAL]", "Create a shared value (typecodes cbBhHiIlLqQfd).",
     "INITIAL defaults to 0. Numbers are sent as JSON numbers and checked against the\n"
     "typecode's range by the daemon; f and d also take nan, inf, -inf.",
     run_value_create},
    {"value get", "value get NAME", "Print a shared value.", "", run_value_get},
    {"value set", "value set NAME VALUE", "Store a shared value.", "", run_value_set},
    {"value add", "value add NAME DELTA [--timeout S] [--owner PID]", "Add to a value under the lock; print the new value.",
     "  --timeout S   give up (exit 124, nothing changed) when the lock stays held this long\n"
     "  --owner PID   the process this runs for (default: the caller of shoal): when it holds\n"
     "                the lock, the update runs at once inside its hold\n",
     run_value_add},
    {"value cas", "value cas NAME EXPECTED NEW [--timeout S] [--owner PID]",
     "Set NEW if the value is EXPECTED; exit 0 if swapped, 1 if not.",
     "Prints the value after the attempt.\n"
     "  --timeout S   give up (exit 124, nothing changed) when the lock stays held this long\n"
     "  --owner PID   the process this runs for (default: the caller of shoal): when it holds\n"
     "                the lock, the swap runs at once inside its hold\n",
     run_value_cas},
    {"value list", "value list", "List shared values and arrays: name, kind, type, value(s).", "", run_value_list},
    {"value delete", "value delete NAME", "Delete a shared value.", "", run_value_delete},
    {"array create", "array create NAME TYPECODE LENGTH [--values V1,V2,...]", "Create a shared array.",
     "  --values V1,V2,...   initial elements, exactly LENGTH of them (default: zeros)\n", run_array_create},
    {"array get", "array get NAME [INDEX]", "Print an array (comma-separated) or one element.", "", run_array_get},
    {"array set", "array set NAME INDEX VALUE", "Store one element of an array.", "", run_array_set},
    {"array delete", "array delete NAME", "Delete a shared array.", "", run_array_delete},
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
    {"lock release", "lock release [--name NAME] [--owner PID] [--force]", "Release the shared lock (or a named one).",
     "  --name NAME   a named lock (default: the daemon's own lock)\n"
     "  --owner PID   release on behalf of PID (default: the caller of shoal)\n"
     "  --force       release it whoever holds it\n",
     run_lock_release},
    {"lock status", "lock status [--name NAME]", "Show whether the lock is held, by whom and since when.",
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
    {"lock list", "lock list", "List the named locks: name, then free or who holds it since when.", "",
     run_lock_list},
    {"lock delete", "lock delete --name NAME", "Delete a named lock that nobody holds.", "", run_lock_delete},
};

}  // namespace

std::span<const verb> shared_verbs() { return verbs; }

}  // namespace shoal::cli
