// The lock_* ops of docs/protocol.md: acquire (blocking, non-blocking, timed), release (by
// owner or forced) and status, on behalf of an owner pid that lock_keeper watches.
#pragma once

#include "dispatcher.hpp"
#include "lock_keeper.hpp"

namespace shoal {

void register_lock_ops(dispatcher& d, lock_keeper& keeper);

}  // namespace shoal
