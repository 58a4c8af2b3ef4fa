#include "daemon/programs_file.hpp"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <map>
#include <set>

#include "common/byte_size.hpp"
#include "common/env_file.hpp"
#include "common/log_limits.hpp"
#include "common/names.hpp"
#include "common/protocol.hpp"
#include "common/signals.hpp"
#include "daemon/file_text.hpp"

namespace shoal {
namespace {

// Keys of the (already valid) JSON text, by path, with the line each first appears on. A path
// is the keys from the top joined by '\0'. Also remembers the first duplicated key, which
// nlohmann::json would silently collapse into the last one.
struct key_index {
  std::map<std::string, std::size_t> lines;
  std::optional<std::pair<std::string, std::size_t>> duplicate;

  std::size_t line(const std::vector<std::string_view>& path, std::size_t fallback) const {
    std::string key;
    for (std::size_t i = 0; i < path.size(); ++i) {
      if (i) key += '\0';
      key += path[i];
    }
    auto it = lines.find(key);
    return it == lines.end() ? fallback : it->second;
  }
};

key_index index_keys(std::string_view text) {
  key_index idx;
  struct frame {
    bool object;
    std::string path;      // of this container
    std::string last_key;  // object: the key whose value comes next
    bool want_key;
    std::size_t index = 0;  // array: which element comes next
  };
  std::vector<frame> stack;
  std::size_t line = 1;
  auto child_path = [&]() -> std::string {
    if (stack.empty()) return {};
    const frame& f = stack.back();
    // Array elements get a path no key lookup matches, distinct per element.
    if (!f.object) return f.path + '\x01' + std::to_string(f.index);
    return f.path.empty() && stack.size() == 1 ? f.last_key : f.path + '\0' + f.last_key;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      ++line;
    } else if (c == '{' || c == '[') {
      stack.push_back({c == '{', child_path(), {}, c == '{', 0});
    } else if (c == '}' || c == ']') {
      if (!stack.empty()) stack.pop_back();
    } else if (c == ',') {
      if (!stack.empty() && stack.back().object)
        stack.back().want_key = true;
      else if (!stack.empty())
        ++stack.back().index;
    } else if (c == '"') {
      std::string s;
      std::size_t start_line = line;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) {
          ++i;
          switch (text[i]) {
            case 'n':
              s += '\n';
              break;
            case 't':
              s += '\t';
              break;
            case 'u':
              s += "\\u";
              break;  // rare in keys; kept escaped, it just won't match
            default:
              s += text[i];
              break;
          }
        } else {
          s += text[i];
        }
      }
      if (!stack.empty() && stack.back().object && stack.back().want_key) {
        frame& f = stack.back();
        f.last_key = s;
        f.want_key = false;
        std::string path = stack.size() == 1 ? s : f.path + '\0' + s;
        if (!idx.lines.emplace(path, start_line).second && !idx.duplicate)
          idx.duplicate.emplace(s, start_line);
      }
    }
  }
  return idx;
}

class validator {
 public:
  validator(std::string_view text, std::string_view origin, bool as_root)
      : origin_(origin), as_root_(as_root), keys_(index_keys(text)) {}

  status fail(std::size_t line, const std::string& message) const {
    return {errc::bad_request, std::string(origin_) + ":" + std::to_string(line) + ": " + message};
  }

  // The line of programs.NAME.FIELD, else of programs.NAME, else of "programs".
  std::size_t line_of(std::string_view program, std::string_view field = {}) const {
    std::size_t top = keys_.line({"programs"}, 1);
    std::size_t prog = keys_.line({"programs", program}, top);
    return field.empty() ? prog : keys_.line({"programs", program, field}, prog);
  }

  const key_index& keys() const { return keys_; }

  result<program_spec> program(const std::string& name, const json& body) const {
    auto bad = [&](std::string_view field, const std::string& why) {
      return fail(line_of(name, field), "program '" + name + "': " + why);
    };
    if (!is_valid_name(name)) return bad({}, "the name must match " + std::string(name_rule));
    if (!body.is_object()) return bad({}, "must be an object of settings");
    static const std::set<std::string> known = {"argv",
                                                "cwd",
                                                "env",
                                                "env_file",
                                                "user",
                                                "group",
                                                "autostart",
                                                "numprocs",
                                                "restart",
                                                "restart_max",
                                                "restart_window",
                                                "stop_signal",
                                                "stop_timeout",
                                                "log_max_bytes",
                                                "log_backups",
                                                "logs"};
    for (const auto& [k, v] : body.items())
      if (!known.count(k)) return bad(k, "unknown field '" + k + "'");

    program_spec p;
    p.name = name;
    auto argv = body.find("argv");
    if (argv == body.end()) return bad({}, "field 'argv' is missing");
    bool strings = argv->is_array();
    if (strings)
      for (const auto& a : *argv) {
        strings = strings && a.is_string();
        p.process.argv.push_back(a.is_string() ? a.get<std::string>() : std::string());
      }
    // Anything else than an array of strings is refused as an empty one would be.
    if (!strings) p.process.argv.clear();
    if (auto st = check_argv(p.process.argv); !st) return bad("argv", st.message());

    if (auto cwd = body.find("cwd"); cwd != body.end()) {
      if (!cwd->is_string() || cwd->get_ref<const std::string&>().empty() ||
          cwd->get_ref<const std::string&>()[0] != '/')
        return bad("cwd", "field 'cwd' must be an absolute path");
      p.process.cwd = cwd->get<std::string>();
    }
    // The files first, in the order listed, then `env` over them: the inline setting is the
    // more specific, as with --env over --env-file. Files are read now, so a reload sees
    // their new contents and restarts the program when they changed.
    env_vars vars;
    if (auto files = body.find("env_file"); files != body.end()) {
      std::vector<std::string> paths;
      if (files->is_string())
        paths.push_back(files->get<std::string>());
      else if (files->is_array())
        for (const auto& f : *files)
          paths.push_back(f.is_string() ? f.get<std::string>() : std::string());
      if (paths.empty() && !files->is_array())
        return bad("env_file", "field 'env_file' must be an absolute path or an array of them");
      for (const auto& path : paths) {
        if (path.empty() || path[0] != '/')
          return bad("env_file", "field 'env_file' must be an absolute path or an array of them");
        auto loaded = load_env_file(path);
        if (!loaded) return bad("env_file", loaded.error().message());
        for (auto& [k, v] : *loaded) set_env_var(vars, std::move(k), std::move(v));
      }
    }
    if (auto env = body.find("env"); env != body.end()) {
      if (!env->is_object()) return bad("env", "field 'env' must be an object of strings");
      for (const auto& [k, v] : env->items()) {
        if (!v.is_string())
          return bad("env", "field 'env' must be an object of strings ('" + k + "' is not)");
        if (k.empty() || k.find('=') != std::string::npos || k.find('\0') != std::string::npos)
          return bad("env", "field 'env' has an invalid variable name '" + k + "'");
        set_env_var(vars, k, v.get<std::string>());
      }
    }
    std::sort(vars.begin(), vars.end());
    p.process.env = std::move(vars);
    for (const char* field : {"user", "group"}) {
      auto it = body.find(field);
      if (it == body.end()) continue;
      if (!it->is_string() || it->get_ref<const std::string&>().empty())
        return bad(field, std::string("field '") + field + "' must be a user or group name");
      if (!as_root_)
        return bad(field, std::string("field '") + field +
                              "' needs shoald to run as root (it cannot change credentials)");
      (std::string_view(field) == "user" ? p.user : p.group) = it->get<std::string>();
    }
    if (p.user)
      if (auto st = p.credentials.set_user(*p.user); !st) return bad("user", st.message());
    if (p.group)
      if (auto st = p.credentials.set_group(*p.group); !st) return bad("group", st.message());
    // Such a program enters its cwd through a shell after setpriv (run_as.hpp), and a shell
    // passes on no variable it could not set.
    if (p.credentials.changes_anything() && !p.process.cwd.empty())
      for (const auto& [k, v] : p.process.env)
        if (!is_shell_name(k))
          return bad("env", "field 'env': variable '" + k +
                                "' cannot reach a program with 'user' "
                                "or 'group' and 'cwd' (it starts through a shell): a name must be "
                                "letters, digits and '_', not starting with a digit");
    if (auto a = body.find("autostart"); a != body.end()) {
      if (!a->is_boolean()) return bad("autostart", "field 'autostart' must be true or false");
      p.autostart = a->get<bool>();
    }
    if (auto n = body.find("numprocs"); n != body.end()) {
      if (!n->is_number_integer() || n->get<long long>() < 1 || n->get<long long>() > max_numprocs)
        return bad("numprocs",
                   "field 'numprocs' must be an integer from 1 to " + std::to_string(max_numprocs));
      p.numprocs = static_cast<int>(n->get<long long>());
      if (p.numprocs > 1 && !is_valid_name(name + "-" + std::to_string(p.numprocs)))
        return bad("numprocs", "instance name '" + name + "-" + std::to_string(p.numprocs) +
                                   "' would be longer than " + std::to_string(max_name_length) +
                                   " characters");
    }
    if (auto r = body.find("restart"); r != body.end()) {
      auto mode = r->is_string() ? parse_restart_mode(r->get<std::string>()) : std::nullopt;
      if (!mode)
        return bad("restart", "field 'restart' must be \"no\", \"on-failure\" or \"always\"");
      p.process.restart.mode = *mode;
    }
    if (auto m = body.find("restart_max"); m != body.end()) {
      if (!m->is_number_integer() || m->get<long long>() < 0 || m->get<long long>() > 1000000)
        return bad("restart_max", "field 'restart_max' must be an integer from 0 to 1000000");
      p.process.restart.max_restarts = static_cast<int>(m->get<long long>());
    }
    if (auto w = body.find("restart_window"); w != body.end()) {
      if (!w->is_number() || !std::isfinite(w->get<double>()) || w->get<double>() <= 0 ||
          w->get<double>() > 86400 * 365)
        return bad("restart_window", "field 'restart_window' must be a positive number of seconds");
      p.process.restart.window_seconds = w->get<double>();
    }
    if (auto s = body.find("stop_signal"); s != body.end()) {
      std::optional<int> signo;
      if (s->is_string())
        signo = parse_signal(s->get<std::string>());
      else if (s->is_number_integer())
        signo = parse_signal(std::to_string(s->get<long long>()));
      if (!signo || *signo == SIGKILL || *signo == SIGSTOP)
        return bad("stop_signal",
                   "field 'stop_signal' must be a signal like \"SIGTERM\", \"INT\" or 1 (not KILL "
                   "or STOP)");
      p.process.stop_signal = *signo;
    }
    if (auto t = body.find("stop_timeout"); t != body.end()) {
      if (!t->is_number() || !std::isfinite(t->get<double>()) || t->get<double>() < 0 ||
          t->get<double>() > 86400)
        return bad("stop_timeout",
                   "field 'stop_timeout' must be a number of seconds from 0 to 86400");
      p.process.stop_timeout = t->get<double>();
    }
    if (auto m = body.find("log_max_bytes"); m != body.end()) {
      // A number of bytes, or a string with a K, M or G suffix as on the command line.
      std::optional<std::uint64_t> size;
      if (m->is_number_unsigned())
        size = m->get<std::uint64_t>();
      else if (m->is_string())
        size = parse_byte_size(m->get_ref<const std::string&>());
      if (!size || !valid_log_max_bytes(*size))
        return bad("log_max_bytes", "field 'log_max_bytes' must be " +
                                        std::string(log_max_bytes_rule) +
                                        ", as a number or a string like \"10M\"");
      p.process.log_max_bytes = *size;
    }
    if (auto b = body.find("log_backups"); b != body.end()) {
      if (!b->is_number_integer() || !valid_log_backups(b->get<long long>()))
        return bad("log_backups", "field 'log_backups' must be " + std::string(log_backups_rule));
      p.process.log_backups = static_cast<int>(b->get<long long>());
    }
    if (auto l = body.find("logs"); l != body.end()) {
      if (!l->is_boolean()) return bad("logs", "field 'logs' must be true or false");
      p.process.logs = l->get<bool>();
      if (!p.process.logs && (p.process.log_max_bytes || p.process.log_backups))
        return bad("logs", std::string(no_logs_conflict));
    }
    return p;
  }

 private:
  std::string_view origin_;
  bool as_root_;
  key_index keys_;
};

}  // namespace

std::size_t line_of_offset(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
}

process_spec program_spec::instance_spec() const {
  process_spec spec = process;
  spec.program = name;
  if (credentials.changes_anything()) spec.exec_argv = spawn_argv();
  spec.uid = credentials.uid;
  spec.gid = credentials.gid;
  // A program that runs as another user finds that user's HOME, USER, LOGNAME and SHELL, as
  // after a login; its own `env` still wins.
  if (credentials.uid)
    if (auto who = find_account(*credentials.uid))
      spec.env = with_account_environment(std::move(spec.env), *who);
  return spec;
}

std::vector<std::string> program_spec::instance_names() const {
  if (numprocs <= 1) return {name};
  std::vector<std::string> names;
  for (int i = 1; i <= numprocs; ++i) names.push_back(name + "-" + std::to_string(i));
  return names;
}

result<std::vector<program_spec>> parse_programs(std::string_view text, std::string_view origin,
                                                 bool as_root) {
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // e.what() reads "[json.exception.parse_error.101] parse error at line 3, column 5: ...";
    // keep only the reason after the position, and give the line ourselves.
    std::string reason = e.what();
    if (auto colon = reason.find(": "); colon != std::string::npos)
      reason = reason.substr(colon + 2);
    std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    return status{errc::bad_request, std::string(origin) + ":" +
                                         std::to_string(line_of_offset(text, offset)) +
                                         ": not valid JSON: " + reason};
  }
  validator v(text, origin, as_root);
  if (v.keys().duplicate)
    return v.fail(v.keys().duplicate->second,
                  "key '" + v.keys().duplicate->first + "' appears twice in the same object");
  if (!doc.is_object()) return v.fail(1, "the file must hold one object, {\"programs\": {...}}");
  for (const auto& [k, val] : doc.items())
    if (k != "programs") return v.fail(v.keys().line({k}, 1), "unknown top-level key '" + k + "'");
  auto programs = doc.find("programs");
  if (programs == doc.end()) return v.fail(1, "key 'programs' is missing");
  if (!programs->is_object())
    return v.fail(v.line_of(""), "'programs' must be an object mapping names to programs");

  std::vector<program_spec> out;
  std::map<std::string, std::string> instance_owner;  // instance name -> program
  for (const auto& [name, body] : programs->items()) {
    auto p = v.program(name, body);
    if (!p) return p.error();
    for (const auto& inst : p->instance_names()) {
      auto [it, fresh] = instance_owner.emplace(inst, name);
      if (!fresh)
        return v.fail(v.line_of(name), "program '" + name + "': instance name '" + inst +
                                           "' is also used by program '" + it->second + "'");
    }
    out.push_back(std::move(*p));
  }
  return out;
}

result<std::vector<program_spec>> load_programs_file(const std::string& path, bool as_root) {
  auto text = read_file_text(path);
  if (!text) {
    int err = errno;
    return status::from_errno(err == ENOENT ? errc::not_found : errc::internal,
                              "unable to read programs file '" + path + "'", err);
  }
  return parse_programs(*text, path, as_root);
}

}  // namespace shoal
