// The daemon and its keeper ask the scheduler for a short time slice.
//
// Their work comes in short bursts, each the next step of someone's request, and a start is a
// chain of them: client, daemon, keeper, daemon, client. Meanwhile the child just spawned
// runs flat out on one of the CPUs (a program's start-up), and under EEVDF (Linux 6.6+) a
// task woken on that CPU waits until the child has used up its slice, unless its own
// requested slice is shorter (Linux 6.12+). With a 0.1 ms slice each hop runs at once.
//
// Children must not inherit it: the request is made with reset-on-fork, and only by a
// process that is SCHED_OTHER at nice 0 or above, for which reset-on-fork changes nothing
// else a child would see (it resets only a negative nice and a real-time policy). Kernels
// before 6.12 have no custom slices for SCHED_OTHER and ignore the request.
#pragma once

namespace shoal {

// Best effort: nothing changes when it cannot be done.
void request_short_slice();

}  // namespace shoal
