// Two processes incrementing one shared counter under one lock, as the multiprocessing
// tutorial's processes do: the contended case, where every acquire may have to wait for the
// other process and wake it on release.
#pragma once

#include <string>

#include "common/status.hpp"

namespace shoal::bench {

// The floor: sem_wait / ++ / sem_post on a process-shared semaphore, `ops` per process.
// Total increments per second.
result<double> contended_semaphore(long ops);

// The same through common/shoal/shared.hpp: each process maps the daemon's segment `shm` and
// lock `lock` itself and increments the int32 value `value` under a lock_guard, `ops` times.
// The caller checks the value's end (2 x ops more than it started at).
result<double> contended_library(const std::string& shm, const std::string& lock,
                                 const std::string& value, long ops);

}  // namespace shoal::bench
