// Running a child as another account. posix_spawn cannot change credentials and the daemon
// never runs its own code in a child, so a child that runs as someone else is executed behind
// setpriv(1) from util-linux:
//
//   /usr/bin/setpriv --reuid=UID --regid=GID --init-groups|--clear-groups -- ARGV...
//
// setpriv itself still runs as root, so nothing the account chose may act on it before the
// switch. What it chose is applied by a shell that runs after the switch, as the account:
//
//   /usr/bin/setpriv ... -- /bin/sh -c 'SCRIPT' shoal [CWD] ARGV...
//   SCRIPT: [cd -- "$1" || exit; shift; unset OLDPWD;]
//           export K="$__shoal_env_K"; unset __shoal_env_K; ... exec "$@"
//
// - the working directory: entering it before the switch (posix_spawn's chdir, as root) would
//   hand the account a way into directories it cannot reach, as relative paths are checked
//   from the working directory down, never above it;
// - the variables its request sets: the dynamic loader and libc of a root setpriv would
//   follow LD_PRELOAD, GLIBC_TUNABLES, LOCPATH, LC_ALL=/path... So each one named like a
//   shell variable (every name they read is) reaches setpriv as __shoal_env_NAME, which
//   nothing reads, and gets its name back in the shell (carry_environment()). A shell passes
//   on no variable whose name it could not set, so a request may set no other.
// Without either, setpriv executes ARGV itself.
//
// Declared programs (programs_file.hpp), root's `start` with `user`/`group` and every `start` by
// a peer that is not root (ownership.hpp) resolve their accounts here and build their argv
// here, so all of them mean the same thing.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "daemon/accounts.hpp"

namespace shoal {

// Where setpriv(1) is looked for.
inline constexpr std::string_view setpriv_path = "/usr/bin/setpriv";
// The name a carried variable travels under until the shell gives it back its own.
inline constexpr std::string_view carried_prefix = "__shoal_env_";

using environment = std::vector<std::pair<std::string, std::string>>;

// A request's environment, ready to pass through setpriv: `env` with every variable renamed
// to carried_prefix + its name, and those names, for wrap(). bad_request when a name is not a
// shell name (letters, digits and '_', not starting with a digit).
struct carried_environment {
  environment env;
  std::vector<std::string> names;
};
result<carried_environment> carry_environment(environment env);
// Letters, digits and '_', not starting with a digit: what a shell can set and pass on.
bool is_shell_name(std::string_view name);

// The credentials a child gets; an empty uid or gid keeps the daemon's.
struct run_as {
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;  // the group's when one is given, else the user's primary group

  bool operator==(const run_as&) const = default;
  bool changes_anything() const { return uid || gid; }
  // A peer's own credentials: its uid and gid as the kernel reported them, with the
  // supplementary groups the group database gives its user (setpriv --init-groups).
  static run_as peer(uid_t uid, gid_t gid);
  // Resolve a user (find_user) or a group (find_group) into uid and gid, in either order:
  // a group given takes the place of the user's primary group. On error nothing changes.
  status set_user(const std::string& name_or_uid);
  status set_group(const std::string& name_or_gid);
  // `argv` as it must be executed: unchanged when nothing changes, else behind setpriv.
  // With a user the child gets that user's supplementary groups; with only a group, none
  // (never the daemon's). A non-empty `cwd` is entered, and the `carried` variables
  // (carry_environment) are given back their names, after the switch (see above); the
  // spawner must then not enter the directory itself.
  std::vector<std::string> wrap(const std::vector<std::string>& argv, const std::string& cwd = {},
                                const std::vector<std::string>& carried = {}) const;

 private:
  bool group_given_ = false;  // gid is the group's, not the user's primary one
};

// What a child of `who` finds in its environment about its account, as login(1) sets it:
// HOME, USER, LOGNAME and SHELL (/bin/sh when the entry names none).
environment account_environment(const account& who);
// `env` with account_environment(who) added for each of those keys it does not set itself.
environment with_account_environment(environment env, const account& who);

// Both at once (either may be absent): set_user, then set_group.
result<run_as> resolve_run_as(const std::optional<std::string>& user,
                              const std::optional<std::string>& group);

}  // namespace shoal
