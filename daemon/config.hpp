// shoald's command line, turned into the settings every component reads.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/log_limits.hpp"
#include "common/status.hpp"
#include "daemon/client_budget.hpp"
#include "daemon/log.hpp"

namespace shoal {

struct config {
  std::string socket_path;  // absolute
  std::string state_dir;    // absolute; logs live in state_dir/logs
  log::level log_level = log::level::info;
  double stop_grace_seconds = 10;  // stop: SIGTERM, then SIGKILL after this long
  std::size_t max_exited_records = 1000;
  // Rotation of each process's output, unless its start or program says otherwise.
  shoal::log_limits log_limits;
  // What all clients together may hold in the daemon (unread replies, unhandled request
  // bytes, waiting requests) before the one holding the most is disconnected.
  std::size_t max_queued_bytes = default_max_queued_bytes;

  // Shared state (docs/segment-layout.md).
  std::size_t shm_size = std::size_t{1} << 20;
  bool fresh = false;    // discard a segment left by an earlier daemon instead of adopting it
  bool cleanup = false;  // remove the segment and lock state_dir records, then exit

  // Access control (daemon/peer_access.hpp): root and the daemon's own uid are always
  // allowed; members of this group too. A name or a numeric gid; "" for none.
  std::string allow_group;

  // Declared programs (docs/programs.md); "" for none. Default: /etc/shoal/programs.json when
  // running as root and that file exists.
  std::string programs_path;

  // How this daemon was started, for `reexec` (daemon/reexec.hpp): the binary's path as
  // /proc/self/exe named it at start, and argv. Not options: main() fills them in.
  std::string executable;
  std::vector<std::string> command_line;

  bool show_help = false;
  bool show_version = false;
};

// Parses argv; the status is bad_request with a message fit for "shoald: <message>".
result<config> parse_config(const std::vector<std::string>& args);
const char* usage_text();

}  // namespace shoal
