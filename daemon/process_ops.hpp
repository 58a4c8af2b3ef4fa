// The process ops of protocol v1 (start, join, status, stop, restart, kill, remove, logs):
// request fields in, supervisor calls, records out as JSON (process_json.hpp). Requests that
// wait for a process to be done (join, stop, restart) wait here, not in the supervisor, on
// `timers`.
#pragma once

#include "daemon/dispatcher.hpp"
#include "daemon/supervisor.hpp"
#include "daemon/timers.hpp"

namespace shoal {

void register_process_ops(dispatcher& d, supervisor& s, timer_service& timers);

// A refused start as the client is told it: its error code and message.
status start_refusal(const start_error& e);

}  // namespace shoal
