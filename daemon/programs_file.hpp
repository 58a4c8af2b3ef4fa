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

#include "daemon/restart_policy.hpp"
#include "daemon/run_as.hpp"
#include "common/status.hpp"

namespace shoal {

inline constexpr int max_numprocs = 100;

struct program_spec {
  std::string name;
  std::vector<std::string> argv;
  std::string cwd;                                          // empty: the daemon's own
  std::vector<std::pair<std::string, std::string>> env;     // env_file then env; by key
  std::optional<std::string> user, group;                   // as written, for people
  run_as credentials;                                        // resolved when the file is read
  bool autostart = true;
  int numprocs = 1;
  restart_settings restart{restart_mode::on_failure};
  int stop_signal = 15;                                      // SIGTERM
  std::optional<double> stop_timeout;                        // empty: the daemon's --stop-timeout
  std::optional<std::uint64_t> log_max_bytes;                // empty: the daemon's --log-max-bytes
  std::optional<int> log_backups;                            // empty: the daemon's --log-backups

  bool operator==(const program_spec&) const = default;

  // "web" when numprocs is 1, else "web-1" .. "web-N".
  std::vector<std::string> instance_names() const;
  // What to execute: argv, behind setpriv when the program sets a user or group (run_as.hpp),
  // which then also enters cwd.
  std::vector<std::string> spawn_argv() const { return credentials.wrap(argv, cwd); }
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
