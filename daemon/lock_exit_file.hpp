// STATE_DIR/lock-exits.json: the lock holds whose owner's exit is their release (`lock run`,
// lock_acquire's release_on_exit), so that a daemon started after a crash or an upgrade still
// releases such a lock quietly when its program ends, instead of reporting a dead holder.
// One JSON object: {"holds": [{"lock": NAME ("lock": the daemon's own), "owner": PID,
// "sequence": N}]}, rewritten whole (temporary file, rename) whenever the set changes. An
// entry counts only while the lock's record in the segment still shows that acquisition.
#pragma once

#include <map>
#include <string>

#include "common/status.hpp"
#include "daemon/lock_keeper.hpp"

namespace shoal {

using exit_release_holds = std::map<std::string, lock_keeper::exit_release>;

// Nothing when the file does not exist; an unreadable or invalid file is an error.
result<exit_release_holds> read_lock_exit_file(const std::string& state_dir);
status write_lock_exit_file(const std::string& state_dir, const exit_release_holds& holds);

}  // namespace shoal
