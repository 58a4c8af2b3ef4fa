// Starting many long-running processes at once: the daemon's `start` of N `sleep`s, all
// requests in one write, against N posix_spawn calls in the caller. Only the starts are timed;
// the processes are stopped (and reaped) outside the clock.
#pragma once

#include "bench/line_socket.hpp"
#include "bench/samples.hpp"
#include "common/status.hpp"

namespace shoal::bench {

// One sample: `count` posix_spawns of `sleep`, until the last one returns.
status run_local_batch(long count, samples& out);

// One sample: `count` starts of `sleep` named batch-0.., in one write, until the last reply.
status run_batch_starts(line_socket& sock, long count, samples& out);

}  // namespace shoal::bench
