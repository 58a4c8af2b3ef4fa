// `shoal start`: a PROGRAM with its settings as one `start` request, or declared programs by
// name (docs/programs.md).
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <utility>

#include "client/process_targets.hpp"
#include "client/record_fields.hpp"
#include "client/verbs_process_run.hpp"
#include "common/byte_size.hpp"
#include "common/env_file.hpp"
#include "common/log_limits.hpp"

namespace shoal::cli {
namespace {

constexpr option_spec start_options[] = {
    {"name", 0, true},           {"cwd", 0, true},         {"env", 0, true},
    {"env-file", 0, true},       {"restart", 0, true},     {"restart-max", 0, true},
    {"restart-window", 0, true}, {"user", 0, true},        {"group", 0, true},
    {"log-max-bytes", 0, true},  {"log-backups", 0, true}, {"no-logs", 0, false},
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

// Only the daemon can judge some of a start (whether a variable can reach a process that runs
// behind setpriv); its message speaks of the request's fields, which a CLI user never typed.
std::string in_option_words(std::string message) {
  static constexpr std::pair<std::string_view, std::string_view> fields[] = {
      {"field 'env': ", "--env/--env-file: "},
      {"field 'env' ", "--env/--env-file "},
      {"field 'cwd' ", "--cwd "},
      {"field 'argv' ", "PROGRAM "},
  };
  for (auto [field, option] : fields)
    if (message.starts_with(field)) return std::string(option) + message.substr(field.size());
  return message;
}

}  // namespace

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

  if (a.command.front().empty())
    return usage_error(inv, "PROGRAM is an empty word: give the program to run after '--'");
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
  if (a.has("no-logs")) {
    if (a.has("log-max-bytes") || a.has("log-backups"))
      return usage_error(inv,
                         "--no-logs keeps no log files, which --log-max-bytes and --log-backups "
                         "bound; give one or the other");
    request["logs"] = false;
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

  auto conn = connect_or_print(inv);
  if (!conn) return exit_unreachable;
  auto o = classify(conn->call(std::move(request)));
  if (o.what == outcome::kind::refused) o.message = in_option_words(o.message);
  if (o.what != outcome::kind::ok) {
    report_failure(inv, o);
    return exit_code(o);
  }
  if (inv.json)
    print_json(inv.out, o.result);
  else
    print_started(inv, o.result);
  return exit_ok;
}

}  // namespace shoal::cli
