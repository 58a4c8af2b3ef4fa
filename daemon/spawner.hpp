// Starting a child, behind an interface so the supervisor's state machine can be unit-tested
// with a fake. The real one uses posix_spawn: the daemon never forks itself and never runs
// C++ in a child.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/log_limits.hpp"
#include "common/status.hpp"
#include "common/unique_fd.hpp"
#include "daemon/pidfd.hpp"

namespace shoal {

struct spawn_request {
  std::vector<std::string> argv;  // argv[0] without '/' is looked up in the daemon's PATH
  std::string cwd;                // empty: the daemon's own
  std::vector<std::string> env;   // complete environment, KEY=VALUE
  int stdout_fd = -1;  // dup'ed onto 1 and 2 in the child; -1: /dev/null, as stdin always is
  int stderr_fd = -1;
  // For a keeper (keeper.hpp), which holds a copy of the read ends and names the logs after
  // the process: ignored by a plain spawner.
  std::string name;
  int stdout_read_fd = -1;
  int stderr_read_fd = -1;
  // How the keeper rotates the logs while no daemon is attached; none: it does not rotate.
  std::optional<log_limits> limits;
};

struct spawned_child {
  pid_t pid = -1;
  unique_fd pidfd;  // opened before anything can reap the child, so it names this process only
  std::uint64_t start_ticks = 0;  // /proc/PID/stat's start time; 0 when unknown
};

class spawner {
 public:
  virtual ~spawner() = default;
  // spawn_failed ("PROGRAM: No such file or directory") when the program cannot be
  // executed; the caller adds which process it was. Nothing is left running.
  virtual result<spawned_child> spawn(const spawn_request& request) = 0;
};

class posix_spawner final : public spawner {
 public:
  result<spawned_child> spawn(const spawn_request& request) override;
};

}  // namespace shoal
