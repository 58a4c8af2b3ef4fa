// The shared-value verbs: value and array (docs/cli.md, "Shared values and the lock").
#include <string>
#include <string_view>

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
json cli_value_of(connection& conn, const char* get_op, const std::string& name,
                  const std::string& text) {
  if (text.size() == 1 && text[0] >= '0' && text[0] <= '9') {
    auto reply = conn.call(json{{"op", get_op}, {"name", name}});
    auto o = classify(reply);
    if (o.what == outcome::kind::ok && o.result.value("typecode", "") == "c") return text;
  }
  return cli_value(text);
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
  if (text.empty()) return parts;
  for (std::size_t at = 0;;) {
    std::size_t comma = text.find(',', at);
    parts.push_back(text.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
    if (comma == std::string::npos) return parts;
    at = comma + 1;
  }
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
  if (a.operands.size() == 3)
    request["value"] = cli_value_for(code == "c" ? 'c' : 0, a.operands[2]);
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
  auto conn = connect_or_print(inv);
  if (!conn) return exit_unreachable;
  json request = {{"op", "value_set"},
                  {"name", a.operands[0]},
                  {"value", cli_value_of(*conn, "value_get", a.operands[0], a.operands[1])}};
  auto o = call_once(inv, *conn, std::move(request));
  if (o.what == outcome::kind::ok && inv.json) print_json(inv.out, o.result);
  return exit_code(o);
}

constexpr option_spec locked_options[] = {
    {"timeout", 0, true}, {"owner", 0, true}, {"lock", 0, true}};

// Adds 'owner', 'timeout' and 'lock' to a request that takes a lock; a usage error when wrong.
std::optional<int> locked_fields(invocation& inv, const parsed_args& a, json& request) {
  auto owner = owner_option(a);
  if (!owner) return usage_error(inv, owner.error().message());
  request["owner"] = *owner;
  if (auto lock = a.value("lock")) {
    if (auto bad = check_entry_name(inv, *lock)) return bad;
    request["lock"] = *lock;
  }
  return take_timeout(inv, a, request);
}

int locked_exit_code(const outcome& o) {
  return o.what == outcome::kind::refused && o.code == "timeout" ? exit_timeout : exit_code(o);
}

int run_value_add(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, locked_options, a)) return *done;
  if (auto bad = need_operands(inv, a, 2, 2)) return *bad;
  if (auto bad = check_entry_name(inv, a.operands[0])) return *bad;
  json request = {
      {"op", "value_add"}, {"name", a.operands[0]}, {"delta", cli_value(a.operands[1])}};
  if (auto bad = locked_fields(inv, a, request)) return *bad;
  auto conn = connect_or_print(inv);
  if (!conn) return exit_unreachable;
  auto o = call_once(inv, *conn, std::move(request));
  if (o.what != outcome::kind::ok) return locked_exit_code(o);
  if (inv.json)
    print_json(inv.out, o.result);
  else
    inv.out << text_of(o.result.value("value", json())) << "\n";
  return exit_ok;
}

int run_value_cas(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, locked_options, a)) return *done;
  if (auto bad = need_operands(inv, a, 3, 3)) return *bad;
  if (auto bad = check_entry_name(inv, a.operands[0])) return *bad;
  json fields;
  if (auto bad = locked_fields(inv, a, fields)) return *bad;
  auto conn = connect_or_print(inv);
  if (!conn) return exit_unreachable;
  json request = {{"op", "value_cas"},
                  {"name", a.operands[0]},
                  {"expected", cli_value_of(*conn, "value_get", a.operands[0], a.operands[1])},
                  {"new", cli_value_of(*conn, "value_get", a.operands[0], a.operands[2])}};
  request.update(fields);
  auto o = call_once(inv, *conn, std::move(request));
  if (o.what != outcome::kind::ok) return locked_exit_code(o);
  bool swapped = o.result.value("swapped", false);
  if (inv.json)
    print_json(inv.out, o.result);
  else
    inv.out << text_of(o.result.value("value", json())) << "\n";
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
      for (std::size_t c = 0; c < 3; ++c)
        inv.out << row[c] << std::string(width[c] - row[c].size() + 2, ' ');
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

// The daemon judges each element and names it by the request's field, `values[I]` (from 0);
// a CLI user typed `--values`, counting from 1.
std::string values_in_option_words(const std::string& message) {
  constexpr std::string_view field = "values[";
  if (!message.starts_with(field)) return message;
  auto close = message.find(']', field.size());
  if (close == std::string::npos) return message;
  auto index = parse_integer("index", message.substr(field.size(), close - field.size()));
  if (!index) return message;
  return "element " + std::to_string(*index + 1) + " of --values" + message.substr(close + 1);
}

int run_array_create(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, array_create_options, a)) return *done;
  if (auto bad = need_operands(inv, a, 3, 3)) return *bad;
  if (auto bad = check_entry_name(inv, a.operands[0])) return *bad;
  auto length = parse_integer("LENGTH", a.operands[2]);
  if (!length) return usage_error(inv, length.error().message());
  if (*length < 1) return usage_error(inv, "LENGTH needs 1 or more elements, not " + a.operands[2]);
  const std::string& code = a.operands[1];
  json request = {
      {"op", "array_create"}, {"name", a.operands[0]}, {"typecode", code}, {"length", *length}};
  if (auto values = a.value("values")) {
    auto parts = split_commas(*values);
    if (static_cast<long long>(parts.size()) != *length)
      return usage_error(inv, "--values has " + std::to_string(parts.size()) +
                                  " element(s) but LENGTH is " + std::to_string(*length));
    json list = json::array();
    for (const auto& v : parts) list.push_back(cli_value_for(code == "c" ? 'c' : 0, v));
    request["values"] = std::move(list);
  }
  auto conn = connect_or_print(inv);
  if (!conn) return exit_unreachable;
  auto o = classify(conn->call(std::move(request)));
  if (o.what == outcome::kind::refused) o.message = values_in_option_words(o.message);
  if (o.what != outcome::kind::ok) {
    report_failure(inv, o);
    return exit_code(o);
  }
  if (inv.json) print_json(inv.out, o.result);
  return exit_ok;
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
    if (r.contains("values"))
      inv.out << join_values(r["values"]) << "\n";
    else
      inv.out << text_of(r.value("value", json())) << "\n";
  });
}

int run_array_set(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, {}, a)) return *done;
  if (auto bad = need_operands(inv, a, 3, 3)) return *bad;
  if (auto bad = check_entry_name(inv, a.operands[0])) return *bad;
  auto index = parse_integer("INDEX", a.operands[1]);
  if (!index) return usage_error(inv, index.error().message());
  auto conn = connect_or_print(inv);
  if (!conn) return exit_unreachable;
  json request = {{"op", "array_set"},
                  {"name", a.operands[0]},
                  {"index", *index},
                  {"value", cli_value_of(*conn, "array_get", a.operands[0], a.operands[2])}};
  auto o = call_once(inv, *conn, std::move(request));
  if (o.what == outcome::kind::ok && inv.json) print_json(inv.out, o.result);
  return exit_code(o);
}

constexpr verb verbs[] = {
    {"value create", "value create NAME TYPECODE [INITIAL]",
     "Create a shared value (typecodes cbBhHiIlLqQfd).",
     "INITIAL defaults to 0. Numbers are sent as JSON numbers and checked against the\n"
     "typecode's range by the daemon; f and d also take nan, inf, -inf.",
     run_value_create},
    {"value get", "value get NAME", "Print a shared value.", "", run_value_get},
    {"value set", "value set NAME VALUE", "Store a shared value.", "", run_value_set},
    {"value add", "value add NAME DELTA [--lock L] [--timeout S] [--owner PID]",
     "Add to a value under the lock; print the new value.",
     "  --lock L      hold the named lock L instead of the daemon's own (a Python Value's\n"
     "                lock is NAME.lock)\n"
     "  --timeout S   give up (exit 124, nothing changed) when the lock stays held this long\n"
     "  --owner PID   the process this runs for (default: the caller of shoal): when it holds\n"
     "                the lock, the update runs at once inside its hold\n",
     run_value_add},
    {"value cas", "value cas NAME EXPECTED NEW [--lock L] [--timeout S] [--owner PID]",
     "Set NEW if the value is EXPECTED; exit 0 if swapped, 1 if not.",
     "Prints the value after the attempt.\n"
     "  --lock L      hold the named lock L instead of the daemon's own\n"
     "  --timeout S   give up (exit 124, nothing changed) when the lock stays held this long\n"
     "  --owner PID   the process this runs for (default: the caller of shoal): when it holds\n"
     "                the lock, the swap runs at once inside its hold\n",
     run_value_cas},
    {"value list", "value list", "List shared values and arrays: name, kind, type, value(s).", "",
     run_value_list},
    {"value delete", "value delete NAME", "Delete a shared value.", "", run_value_delete},
    {"array create", "array create NAME TYPECODE LENGTH [--values V1,V2,...]",
     "Create a shared array.",
     "  --values V1,V2,...   initial elements, exactly LENGTH of them (default: zeros)\n",
     run_array_create},
    {"array get", "array get NAME [INDEX]", "Print an array (comma-separated) or one element.", "",
     run_array_get},
    {"array set", "array set NAME INDEX VALUE", "Store one element of an array.", "",
     run_array_set},
    {"array delete", "array delete NAME", "Delete a shared array.", "", run_array_delete},
};

}  // namespace

std::span<const verb> shared_verbs() { return verbs; }

}  // namespace shoal::cli
