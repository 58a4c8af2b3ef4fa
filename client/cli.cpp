#include "client/cli.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <vector>

#include "client/invocation.hpp"
#include "client/suggest.hpp"
#include "client/verbs.hpp"
#include "common/paths.hpp"

namespace shoal::cli {
namespace {

void print_general_help(output& out) {
  out << "usage: shoal [--socket PATH] [--json] VERB [ARG]...\n"
         "       shoal --help | --version\n\n"
         "Drives shoald, the Shoal process supervisor, over its Unix socket.\n\n"
         "Verbs:\n";
  std::size_t width = 0;
  for (const auto& v : all_verbs()) width = std::max(width, v.name.size());
  for (const auto& v : all_verbs())
    out << "  " << v.name << std::string(width - v.name.size() + 3, ' ') << v.summary << "\n";
  out << "  help" << std::string(width - 4 + 3, ' ')
      << "Show this list, or a verb's usage and options: shoal help VERB.\n";
  out << "\nAliases: ";
  bool first = true;
  for (const auto& a : verb_aliases()) {
    out << (first ? "" : ", ") << a.alias << " = " << a.verb;
    first = false;
  }
  out << ".\n"
         "Run 'shoal help VERB' or 'shoal VERB --help' for a verb's usage and options.\n\n"
         "Global options (anywhere before '--'):\n"
         "  --socket PATH   the daemon's socket (default: $SHOAL_SOCKET, else "
      << default_socket_path()
      << ")\n"
         "  --json          print the daemon's raw result as one JSON document\n"
         "  -h, --help      show help\n"
         "  --version       show shoal's version\n\n"
         "Exit status: 0 done, 1 refused by the daemon, 2 usage error, 3 daemon unreachable.\n"
         "join: the process's own exit status, 128+N when killed by signal N, 124 on timeout,\n"
         "125 when shoal itself failed.\n";
}

// "shoal value" when only "value get", "value set"... exist: list them.
bool print_group(output& out, std::string_view group) {
  bool any = false;
  for (const auto& v : all_verbs()) {
    if (v.name.size() > group.size() && v.name.substr(0, group.size()) == group &&
        v.name[group.size()] == ' ') {
      if (!any) out << "usage:\n";
      any = true;
      out << "  shoal " << v.synopsis << "\n";
    }
  }
  return any;
}

// The words a mistyped `word` may have meant: the verbs, their groups, the aliases and
// `help`; or, after a group ("value"), that group's verbs.
std::vector<std::string> known_words(std::string_view group = {}) {
  std::vector<std::string> words;
  for (const auto& v : all_verbs()) {
    auto space = v.name.find(' ');
    if (group.empty())
      words.emplace_back(v.name.substr(0, space));
    else if (space != std::string_view::npos && v.name.substr(0, space) == group)
      words.emplace_back(v.name);
  }
  if (group.empty()) {
    for (const auto& a : verb_aliases()) words.emplace_back(a.alias);
    words.emplace_back("help");
  }
  return words;
}

// "unknown command 'stauts'; did you mean 'status'?"
std::string unknown_command(const std::string& typed, std::string_view group = {}) {
  std::string message = "unknown command '" + typed + "'";
  auto known = known_words(group);
  auto near = nearest_words(typed, known);
  if (!near.empty()) message += "; did you mean " + quoted_alternatives(near) + "?";
  return message;
}

int run_unchecked(std::span<const std::string> args, output& out, output& err,
                  const environment& env) {
  invocation inv{out,     err, env.out_is_tty, env.width, env.color, env.socket_path, false,
                 nullptr, {}};

  auto usage = [&](const std::string& message) {
    err << "shoal: " << message << "\nTry 'shoal --help'.\n";
    if (inv.json || asks_for_json(args)) print_json(out, error_json("usage", message));
    return exit_usage;
  };

  // Global options before the verb; after it, the verb's parser takes them.
  std::size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& w = args[i];
    if (w.empty() || w[0] != '-') break;
    if (w == "--help" || w == "-h") {
      print_general_help(out);
      return exit_ok;
    }
    if (w == "--version") {
      out << "shoal " << SHOAL_VERSION << "\n";
      return exit_ok;
    }
    if (w == "--json") {
      inv.json = true;
    } else if (w == "--socket" || w.rfind("--socket=", 0) == 0) {
      std::string path;
      if (w == "--socket") {
        if (i + 1 >= args.size()) return usage("option '--socket' needs a value");
        path = args[++i];
      } else {
        path = w.substr(std::strlen("--socket="));
      }
      if (path.empty()) return usage("--socket needs a path");
      inv.socket_path = path;
    } else {
      return usage("unknown option '" + w + "'");
    }
  }
  if (i >= args.size()) {
    print_general_help(err);
    if (inv.json)
      print_json(out, error_json("usage",
                                 "missing VERB: shoal [--socket PATH] [--json] VERB "
                                 "[ARG]...; shoal --help lists the verbs"));
    return exit_usage;
  }

  auto rest = args.subspan(i);
  // `shoal help [VERB]`: the same text as `shoal --help` and `shoal VERB --help`.
  bool help = rest[0] == "help";
  if (help) {
    rest = rest.subspan(1);
    if (rest.empty()) {
      print_general_help(out);
      return exit_ok;
    }
  }
  std::size_t consumed = 0;
  const verb* v = find_verb(rest, consumed);
  if (!v) {
    if ((help || (rest.size() >= 2 && (rest[1] == "--help" || rest[1] == "-h"))) &&
        print_group(out, rest[0]))
      return exit_ok;
    // "shoal value --json": options without a verb of the group are no verb either.
    bool group_alone = rest.size() == 1 || (!rest[1].empty() && rest[1][0] == '-');
    if (group_alone && print_group(err, rest[0])) {
      std::string message = "'" + rest[0] + "' needs one of the commands above";
      err << "shoal: " << message << "\n";
      if (inv.json || asks_for_json(args)) print_json(out, error_json("usage", message));
      return exit_usage;
    }
    if (rest.size() >= 2 && print_group(err, rest[0])) {
      std::string typed = rest[0] + " " + rest[1];
      return usage(unknown_command(typed, rest[0]));
    }
    return usage(unknown_command(rest[0]));
  }
  if (help) {
    inv.current = v;
    print_verb_help(inv);
    return exit_ok;
  }
  inv.current = v;
  inv.words.assign(rest.begin() + static_cast<std::ptrdiff_t>(consumed), rest.end());
  return v->run(inv);
}

}  // namespace

std::string default_socket(const char* shoal_socket_env) {
  if (shoal_socket_env && *shoal_socket_env) return shoal_socket_env;
  return default_socket_path();
}

environment detect_environment() {
  environment env;
  env.socket_path = default_socket(std::getenv("SHOAL_SOCKET"));
  env.out_is_tty = ::isatty(STDOUT_FILENO) == 1;
  if (env.out_is_tty) {
    struct winsize ws {};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
      env.width = ws.ws_col;
    else if (const char* cols = std::getenv("COLUMNS"); cols && std::atoi(cols) > 0)
      env.width = static_cast<std::size_t>(std::atoi(cols));
    else
      env.width = 80;
    const char* no_color = std::getenv("NO_COLOR");
    const char* term = std::getenv("TERM");
    env.color = !(no_color && *no_color) && !(term && std::strcmp(term, "dumb") == 0);
  }
  return env;
}

int run(std::span<const std::string> args, output& out, output& err, const environment& env) {
  // The join convention (125: shoal itself failed) covers a bug here too; other verbs have
  // no better code for it.
  try {
    return run_unchecked(args, out, err, env);
  } catch (const std::exception& e) {
    err << "shoal: internal error: " << e.what() << "\n";
  } catch (...) {
    err << "shoal: internal error\n";
  }
  return exit_failed;
}

int main_entry(int argc, char** argv) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  output out(STDOUT_FILENO, output::mode::buffered);
  output err(STDERR_FILENO, output::mode::unbuffered);
  int code = run(args, out, err, detect_environment());
  out.flush();
  return code;
}

}  // namespace shoal::cli
