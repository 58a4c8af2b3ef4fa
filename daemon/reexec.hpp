// `shoal daemon reexec` (the `reexec` op): the daemon executes its binary again in place, so a
// newly installed shoald takes over under the same pid without a child being stopped. What
// crosses the exec is named in one environment variable, SHOAL_REEXEC, read and removed by the
// new image before anything else: the listening socket (so no client is ever refused) and the
// connection that asked (so the new image, not the old one, answers it). Everything else is
// closed by the exec and taken back the way a restart takes it back: the keeper, which noticed
// the old image's connection close, hands the children over again (docs/restore.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/protocol.hpp"
#include "common/status.hpp"

namespace shoal {

inline constexpr const char* reexec_variable = "SHOAL_REEXEC";

struct reexec_handover {
  int listen_fd = -1;
  bool owns_path = false;  // false: the service manager's socket, not ours to remove
  int client_fd = -1;      // the connection whose `reexec` the new image answers
  json id;                 // that request's id
};

// What the image before this one handed over, or nullopt when this is a plain start. The
// variable is removed in every case, so no child inherits it. A value that does not name two
// open descriptors is an error saying so.
result<std::optional<reexec_handover>> take_reexec_handover();

// Executes `executable` with `argv`, handing `handover` over. Returns only when the exec
// failed, with why; the process is then as it was (the descriptors it would have handed over
// are close-on-exec again), and it goes on serving.
status reexec_self(const std::string& executable, const std::vector<std::string>& argv,
                   const reexec_handover& handover);

// Writes `reply` (one line) to the handed-over connection and closes it. A client that does
// not read does not hold the daemon up: what the socket does not take at once is dropped.
void answer_handover(int fd, const json& reply);

// The path this process was executed from, read once at start (before an upgrade can replace
// the file, which /proc/self/exe then shows as "(deleted)"); "" when it cannot be read.
std::string own_executable();

}  // namespace shoal
