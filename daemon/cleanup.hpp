// shoald --cleanup: removes the shared segment and lock that the state directory records,
// unless a live daemon uses that directory or someone serves the socket.
#pragma once

#include "daemon/config.hpp"

namespace shoal {

// Returns the exit code: 0 done (or nothing to do), 1 refused or failed.
int run_cleanup(const config& cfg);

}  // namespace shoal
