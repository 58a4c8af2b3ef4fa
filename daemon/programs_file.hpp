// The programs file (docs/programs.md): the processes the daemon keeps running on its own,
// like supervisord's [program:x] sections or PM2's ecosystem file.
//
//   {"programs": {"web": {"argv": ["./web", "--port", "8080"], "cwd": "/srv/web",
//                         "numprocs": 2, "restart": "always"}}}
//
// A file is taken whole or not at all: the first problem refuses it, with the line it is on
// ("programs.json:7: program 'web': field 'numprocs' must be ...").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"
#include "daemon/process_spec.hpp"
#include "daemon/restart_policy.hpp"
#include "daemon/run_as.hpp"

namespace shoal {

inline constexpr int max_numprocs = 100;

struct program_spec {
  std::string name;
  // argv, cwd, env (env_file then env, by key), restart (on-failure unless set), stop_signal,
  // stop_timeout, log_max_bytes, log_backups as the file says; what the programs file adds
  // for each instance (program, exec_argv, uid, gid, the account's environment) is added by
  // instance_spec().
  process_spec process = [] {
    process_spec spec;
    spec.restart.mode = restart_mode::on_failure;
    return spec;
  }();
  std::optional<std::string> user, group;  // as written, for people
  run_as credentials;                      // resolved when the file is read
  bool autostart = true;
  int numprocs = 1;

  bool operator==(const program_spec&) const = default;

  // "web" when numprocs is 1, else "web-1" .. "web-N".
  std::vector<std::string> instance_names() const;
  // What to execute: argv, behind setpriv when the program sets a user or group (run_as.hpp),
  // which then also enters cwd.
  std::vector<std::string> spawn_argv() const {
    return credentials.wrap(process.argv, process.cwd);
  }
  // What each instance is started with.
  process_spec instance_spec() const;
};

// Parses and validates a whole file. `origin` names it in messages. `as_root`: whether the
// daemon runs as root; `user` and `group` are refused otherwise. Programs come sorted by name.
result<std::vector<program_spec>> parse_programs(std::string_view text, std::string_view origin,
                                                 bool as_root);
// Reads `path` and parses it; a missing or unreadable file is an error naming it.
result<std::vector<program_spec>> load_programs_file(const std::string& path, bool as_root);

// 1-based line of byte `offset` in `text` (offsets past the end count as the last line).
std::size_t line_of_offset(std::string_view text, std::size_t offset);

}  // namespace shoal
