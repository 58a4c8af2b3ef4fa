// The value_* and array_* ops of docs/protocol.md on the daemon's segment. Writes that need
// the lock (value_add, value_cas) wait for it through lock_keeper, never blocking the loop.
#pragma once

#include "daemon/dispatcher.hpp"
#include "daemon/event_log.hpp"
#include "daemon/lock_table.hpp"
#include "daemon/segment_table.hpp"

namespace shoal {

// `events`, when given, hears value_created and value_deleted (docs/protocol.md, watch).
// value_add and value_cas hold the daemon's own lock of `locks`, or the named one they ask for.
void register_value_ops(dispatcher& d, segment_table& table, lock_table& locks,
                        event_log* events = nullptr);

}  // namespace shoal
