// The ops of declared programs and live events: `reload` (re-read the programs file) and
// `watch` (stream the event log). docs/protocol.md describes both.
#pragma once

#include "daemon/dispatcher.hpp"
#include "daemon/event_log.hpp"
#include "daemon/program_table.hpp"

namespace shoal {

// `programs` may be null: the daemon runs without a programs file and `reload` says so.
void register_program_ops(dispatcher& d, program_table* programs);
void register_watch_ops(dispatcher& d, event_log& events);

}  // namespace shoal
