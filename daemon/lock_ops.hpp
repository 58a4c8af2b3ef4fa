// The lock_* ops of docs/protocol.md: acquire (blocking, non-blocking, timed), release (by
// owner or forced) and status, on behalf of an owner pid that lock_keeper watches, of the
// daemon's own lock or of a named one; and create, delete and list of named locks.
#pragma once

#include "daemon/dispatcher.hpp"
#include "daemon/lock_table.hpp"

namespace shoal {

void register_lock_ops(dispatcher& d, lock_table& locks);

}  // namespace shoal
