// The daemon's own children as /proc tells them, whoever started them: as a child subreaper it
// adopts the orphans of what it supervises (the rest of a group whose leader was killed alone),
// and no record knows those.
#pragma once

#include <sys/types.h>

#include <vector>

namespace shoal {

// Every child of this process that is not a zombie, in no particular order.
std::vector<pid_t> living_children_of_self();
// The same for another process (the keeper, which is the children's parent).
std::vector<pid_t> living_children_of(pid_t parent);

}  // namespace shoal
