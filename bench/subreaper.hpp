// Makes the benchmark the reaper of every process its daemon leaves behind: if a private
// shoald dies with children alive, they become ours, and end_leftovers() kills their process
// groups and reaps them. A reparented child cannot have had its pid reused while it is ours,
// so nothing else on the machine is ever signalled.
#pragma once

#include <sys/types.h>

#include <vector>

namespace shoal::bench {

// PR_SET_CHILD_SUBREAPER on this process; false if the kernel refused.
bool become_subreaper();

// Children of this process other than `keep` that are still alive: SIGKILL to each one's
// process group (every child shoald starts leads its own), then reaped. Their pids.
std::vector<pid_t> end_leftovers(const std::vector<pid_t>& keep);

}  // namespace shoal::bench
