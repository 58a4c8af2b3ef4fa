#include "client/invocation.hpp"

#include <unistd.h>

#include "client/verbs.hpp"
#include "common/names.hpp"

namespace shoal::cli {
namespace {

constexpr std::string_view global_help =
    "Global options (anywhere before '--'):\n"
    "  --socket PATH   the daemon's socket (default: $SHOAL_SOCKET, else the per-user or\n"
    "                  system default, see docs/cli.md)\n"
    "  --json          print the daemon's raw result as one JSON document\n"
    "  -h, --help      show this help\n";

std::string verb_label(const invocation& inv) {
  return inv.current ? std::string(inv.current->name) : std::string();
}

// The operands the verb's synopsis names ("NAME", "TYPECODE", "[INITIAL]"), in order.
std::vector<std::string> synopsis_operands(const verb& v) {
  std::vector<std::string> words;
  std::string_view rest = v.synopsis.substr(v.name.size());
  while (!rest.empty()) {
    std::size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    std::string_view w = rest.substr(0, rest.find(' '));
    rest.remove_prefix(w.size());
    if (w[0] != '-' && (w[0] != '[' || (w.size() > 1 && w[1] != '-'))) words.emplace_back(w);
  }
  return words;
}

}  // namespace

void print_verb_help(const invocation& inv) {
  if (!inv.current) return;
  const verb& v = *inv.current;
  inv.out << "usage: shoal " << v.synopsis << "\n";
  if (auto aliases = aliases_of(v.name); !aliases.empty()) {
    inv.out << "   or: shoal " << aliases[0];
    for (std::size_t i = 1; i < aliases.size(); ++i) inv.out << ", shoal " << aliases[i];
    inv.out << " (the same verb)\n";
  }
  inv.out << "\n" << v.summary << "\n";
  if (!v.details.empty()) inv.out << "\n" << v.details;
  inv.out << "\n" << global_help;
}

int usage_error(invocation& inv, std::string_view message, int code) {
  std::string label = verb_label(inv);
  inv.err << "shoal: " << (label.empty() ? "" : label + ": ") << message << "\n"
          << "Try 'shoal " << (label.empty() ? "" : label + " ") << "--help'.\n";
  if (inv.json || asks_for_json(inv.words))
    print_json(inv.out,
               error_json("usage", (label.empty() ? "" : label + ": ") + std::string(message)));
  return code;
}

json error_json(std::string_view code, std::string_view message) {
  return {{"error", {{"code", code}, {"message", message}}}};
}

json error_json(const outcome& o) {
  return error_json(o.what == outcome::kind::refused ? o.code : "unreachable", o.message);
}

void report_failure(invocation& inv, const outcome& o) {
  if (o.what == outcome::kind::ok) return;
  print_error(inv.err, o);
  if (inv.json) print_json(inv.out, error_json(o));
}

bool asks_for_json(std::span<const std::string> words) {
  for (const auto& w : words) {
    if (w == "--") break;
    if (w == "--json") return true;
  }
  return false;
}

std::optional<std::string> check_name(std::string_view what, std::string_view name) {
  if (is_valid_name(name)) return std::nullopt;
  return std::string(what) + " '" + std::string(name) + "' is not a valid name (it must match " +
         std::string(name_rule) + ")";
}

std::optional<int> parse_invocation(invocation& inv, std::span<const option_spec> spec,
                                    parsed_args& out, operand_mode mode, int usage_exit) {
  auto parsed = parse_args(inv.words, spec, mode);
  bool help = parsed && parsed->has("help");
  if (!parsed) {
    // --help wins over a mistake elsewhere on the line: the user is asking how to fix it.
    for (const auto& w : inv.words) {
      if (w == "--") break;
      if (w == "--help" || w == "-h") help = true;
    }
  }
  if (help) {
    print_verb_help(inv);
    return exit_ok;
  }
  if (!parsed) return usage_error(inv, parsed.error().message(), usage_exit);
  out = std::move(*parsed);
  if (auto s = out.value("socket")) {
    if (s->empty()) return usage_error(inv, "--socket needs a path", usage_exit);
    inv.socket_path = *s;
  }
  if (out.has("json")) inv.json = true;
  return std::nullopt;
}

std::optional<int> need_operands(invocation& inv, const parsed_args& a, std::size_t least,
                                 std::size_t most) {
  if (a.operands.size() < least) {
    auto names = inv.current ? synopsis_operands(*inv.current) : std::vector<std::string>{};
    std::string missing = a.operands.size() < names.size() ? names[a.operands.size()] : "operand";
    return usage_error(inv, "missing " + missing + " (usage: shoal " +
                                std::string(inv.current ? inv.current->synopsis : "") + ")");
  }
  if (a.operands.size() > most)
    return usage_error(inv, "too many operands: '" + a.operands[most] + "'");
  return std::nullopt;
}

outcome call_once(invocation& inv, connection& conn, json request) {
  auto o = classify(conn.call(std::move(request)));
  report_failure(inv, o);
  return o;
}

std::string text_of(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

void print_json(output& out, const json& result) {
  // to_line never throws: invalid UTF-8 becomes U+FFFD.
  out << to_line(result);
  out.flush();
}

result<connection> connect_or_print(invocation& inv) {
  auto conn = connection::open(inv.socket_path);
  if (!conn) report_failure(inv, classify(conn.error()));
  return conn;
}

std::optional<int> take_timeout(invocation& inv, const parsed_args& a, json& request,
                                int usage_exit) {
  auto text = a.value("timeout");
  if (!text) return std::nullopt;
  auto seconds = parse_seconds("--timeout", *text);
  if (!seconds) return usage_error(inv, seconds.error().message(), usage_exit);
  request["timeout"] = *seconds;
  return std::nullopt;
}

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

int simple_call(invocation& inv, json request,
                const std::function<void(const json& result)>& print_text) {
  auto conn = connect_or_print(inv);
  if (!conn) return exit_unreachable;
  auto o = classify(conn->call(std::move(request)));
  if (o.what != outcome::kind::ok) {
    report_failure(inv, o);
    return exit_code(o);
  }
  if (inv.json)
    print_json(inv.out, o.result);
  else if (print_text)
    print_text(o.result);
  return exit_ok;
}

std::vector<outcome> call_all(connection& conn, std::vector<json> requests) {
  std::vector<outcome> outcomes(requests.size());
  std::vector<json> ids(requests.size());
  std::vector<bool> answered(requests.size(), false);
  std::size_t pending = 0;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    auto id = conn.send(std::move(requests[i]));
    if (!id) {
      outcomes[i] = classify(id.error());
      answered[i] = true;
      continue;
    }
    ids[i] = *id;
    ++pending;
  }
  // A reply whose id matches nothing outstanding is ignored; it cannot answer a request.
  while (pending > 0) {
    auto reply = conn.receive();
    if (!reply) {
      for (std::size_t i = 0; i < requests.size(); ++i)
        if (!answered[i]) {
          outcomes[i] = classify(reply.error());
          answered[i] = true;
        }
      break;
    }
    for (std::size_t i = 0; i < requests.size(); ++i) {
      if (!answered[i] && answers(*reply, ids[i])) {
        outcomes[i] = classify(*reply);
        answered[i] = true;
        --pending;
        // A refusal of the connection answers every request; any other reply only one.
        if (!is_connection_refusal(*reply)) break;
      }
    }
  }
  return outcomes;
}

}  // namespace shoal::cli
