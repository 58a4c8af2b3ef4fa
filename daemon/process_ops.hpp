// The process ops of protocol v1 (start, join, status, stop, kill, remove, logs): request
// fields in, supervisor calls, records out.
#pragma once

#include "daemon/dispatcher.hpp"
#include "daemon/supervisor.hpp"

namespace shoal {

void register_process_ops(dispatcher& d, supervisor& s);

}  // namespace shoal
