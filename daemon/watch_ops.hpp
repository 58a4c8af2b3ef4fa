// `watch`: the event log (event_log.hpp) streamed to a client, from a sequence number on or
// from now, filtered by process or program names. docs/protocol.md, "Events".
#pragma once

#include "daemon/dispatcher.hpp"
#include "daemon/event_log.hpp"

namespace shoal {

void register_watch_ops(dispatcher& d, event_log& events);

}  // namespace shoal
