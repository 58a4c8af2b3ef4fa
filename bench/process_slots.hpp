// Whether this machine can hold N more processes: pid_max and threads-max against the tasks
// that exist, and RLIMIT_NPROC for a non-root user.
#pragma once

#include <string>

namespace shoal::bench {

// Empty if `more` processes (plus a margin for everyone else) fit; else why not.
std::string lack_of_process_slots(long more);

}  // namespace shoal::bench
