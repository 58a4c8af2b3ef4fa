// SIGCHLD's work: reap every child that has exited, supervised or adopted, and tell the
// supervisor about its own. The only place the daemon waits for children, so the supervisor's
// state machine is driven the same way by real exits and by unit tests calling on_reaped().
#pragma once

#include "daemon/supervisor.hpp"

namespace shoal {

// Reaps until nothing is left to reap: SIGCHLD merges, so one delivery may stand for many.
void reap_children(supervisor& s);

}  // namespace shoal
