#include "daemon/run_as.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace shoal {

run_as run_as::peer(uid_t uid, gid_t gid) {
  run_as out;
  out.uid = uid;
  out.gid = gid;
  out.group_given_ = true;
  return out;
}

bool is_shell_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return c == '_' || std::isalnum(static_cast<unsigned char>(c));
  });
}

result<carried_environment> carry_environment(environment env) {
  carried_environment out;
  for (auto& [name, value] : env) {
    if (!is_shell_name(name))
      return status{errc::bad_request,
                    "field 'env': variable '" + name + "' cannot reach a process that runs as " +
                        "another account than shoald's (through setpriv and a shell): a name " +
                        "must be letters, digits and '_', not starting with a digit"};
    out.names.push_back(name);
    name = std::string(carried_prefix) + name;
  }
  out.env = std::move(env);
  return out;
}

std::vector<std::string> run_as::wrap(const std::vector<std::string>& argv, const std::string& cwd,
                                      const std::vector<std::string>& carried) const {
  if (!changes_anything()) return argv;
  std::vector<std::string> out{std::string(setpriv_path)};
  if (uid) out.push_back("--reuid=" + std::to_string(*uid));
  if (gid) out.push_back("--regid=" + std::to_string(*gid));
  out.push_back(uid ? "--init-groups" : "--clear-groups");
  out.push_back("--");
  if (!cwd.empty() || !carried.empty()) {
    // Names only ever come from carry_environment (shell names), values only from variables:
    // nothing the account chose is ever parsed as shell code.
    std::string script;
    // cd sets OLDPWD, which a child entered by posix_spawn's chdir never had.
    if (!cwd.empty()) script += "cd -- \"$1\" || exit; shift; unset OLDPWD; ";
    for (const auto& name : carried) {
      std::string from = std::string(carried_prefix) + name;
      script += "export " + name + "=\"$" + from + "\"; unset " + from + "; ";
    }
    script += "exec \"$@\"";
    out.insert(out.end(), {"/bin/sh", "-c", std::move(script), "shoal"});
    if (!cwd.empty()) out.push_back(cwd);
  }
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

environment account_environment(const account& who) {
  return {{"HOME", who.home.empty() ? std::string("/") : who.home},
          {"LOGNAME", who.name},
          {"SHELL", who.shell.empty() ? std::string("/bin/sh") : who.shell},
          {"USER", who.name}};
}

environment with_account_environment(environment env, const account& who) {
  for (auto& entry : account_environment(who)) {
    bool given = std::any_of(env.begin(), env.end(),
                             [&](const auto& kv) { return kv.first == entry.first; });
    if (!given) env.push_back(std::move(entry));
  }
  return env;
}

status run_as::set_user(const std::string& name_or_uid) {
  auto who = find_user(name_or_uid);
  if (!who) return who.error();
  uid = who->uid;
  if (!group_given_) gid = who->primary_gid;
  return {};
}

status run_as::set_group(const std::string& name_or_gid) {
  auto found = find_group(name_or_gid);
  if (!found) return found.error();
  gid = *found;
  group_given_ = true;
  return {};
}

result<run_as> resolve_run_as(const std::optional<std::string>& user,
                              const std::optional<std::string>& group) {
  run_as out;
  if (user)
    if (auto st = out.set_user(*user); !st) return st;
  if (group)
    if (auto st = out.set_group(*group); !st) return st;
  return out;
}

}  // namespace shoal
