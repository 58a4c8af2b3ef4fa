// The process ops whose handlers fill a file of their own; process_ops.cpp registers them.
#pragma once

#include "daemon/dispatcher.hpp"
#include "daemon/supervisor.hpp"

namespace shoal {

// start: daemon/start_op.cpp
void handle_start(supervisor& s, const json& body, const responder& reply);
// logs: daemon/logs_op.cpp
void handle_logs(supervisor& s, const json& body, const responder& reply);

}  // namespace shoal
