// The semaphore of a named lock, derived from the daemon's own lock semaphore: its name, a dot,
// the lock's name ("/shoal-1000-<hash>-lock" and "jobs" give "/shoal-1000-<hash>-lock.jobs").
// The one place this is derived, so the daemon that creates the semaphore and the programs
// that open it agree whatever the daemon's own name is. Lock names follow the name rule (at
// most 64 characters of [A-Za-z0-9._-]), so the result stays far below NAME_MAX.
#pragma once

#include <string>
#include <string_view>

namespace shoal {

// The name of the daemon's own lock in the protocol and in events; not a named lock.
inline constexpr std::string_view default_lock_name = "lock";

inline std::string named_lock_semaphore(std::string_view daemon_lock, std::string_view lock_name) {
  std::string out(daemon_lock);
  out += '.';
  out += lock_name;
  return out;
}

}  // namespace shoal
