// The protocol's view of the process table (docs/protocol.md): a record as `start`, `status`,
// `join` and friends answer it, and the supervisor's events as `watch` streams them.
#pragma once

#include "common/protocol.hpp"
#include "daemon/event_log.hpp"
#include "daemon/process_record.hpp"
#include "daemon/supervisor.hpp"

namespace shoal {

json to_json(const process_record& record);

// Appends `event` to the event log under its protocol name (started, exited, stopped,
// restarting, fatal); events the protocol does not show (finished) are left out.
void publish(event_log& events, const supervisor_event& event);

}  // namespace shoal
