// What a process is started with, and started again with after it exits: the one description
// that a `start` request, a declared program's instance and the process record all hold.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.hpp"
#include "daemon/restart_policy.hpp"

namespace shoal {

struct process_spec {
  std::vector<std::string> argv;
  std::string cwd;  // empty: the daemon's own, as it is when the process starts
  std::vector<std::pair<std::string, std::string>> env;  // over the daemon's environment
  restart_settings restart{};                            // default: never restarted
  // Set when the process runs as someone else than the daemon (run_as.hpp): a declared
  // program's user or group, root's `start` with them, any `start` by another user.
  std::vector<std::string> exec_argv{};          // what to execute, when not argv itself (setpriv)
  std::optional<uid_t> uid{};                    // who it runs as; empty: the daemon's own uid
  std::optional<gid_t> gid{};                    // its group; empty: the daemon's own gid
  std::string program{};                         // the declared program it is an instance of
  int stop_signal = 15;                          // SIGTERM
  std::optional<double> stop_timeout{};          // empty: the daemon's grace period
  std::optional<std::uint64_t> log_max_bytes{};  // empty: the daemon's default
  std::optional<int> log_backups{};
  // False: stdout and stderr are /dev/null, and no log files, pipes or descriptors are kept
  // for it (`start --no-logs`, "logs": false).
  bool logs = true;

  bool operator==(const process_spec&) const = default;
};

// The one check of a command line, wherever one comes from (a request, a programs file):
// at least one string, the first naming a program, none holding a NUL byte.
status check_argv(const std::vector<std::string>& argv);
bool valid_argv(const std::vector<std::string>& argv);

// The one check of an environment a request or a programs file sets: names neither empty nor
// holding '=' or NUL, values without NUL.
status check_env(const std::vector<std::pair<std::string, std::string>>& env);
// The first entry check_env refuses; null when there is none.
const std::pair<std::string, std::string>* invalid_env_entry(
    const std::vector<std::pair<std::string, std::string>>& env);
// What check_env says of the variable named `name`.
status env_refusal(const std::string& name);

}  // namespace shoal
