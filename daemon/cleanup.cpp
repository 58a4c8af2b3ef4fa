#include "daemon/cleanup.hpp"

#include "daemon/log.hpp"
#include "daemon/shared_state.hpp"
#include "daemon/socket_listeners.hpp"
#include "daemon/state_directory.hpp"

namespace shoal {

int run_cleanup(const config& cfg) {
  auto state = state_directory::open(cfg.state_dir, false);
  if (!state && state.error().code() != errc::not_found) {
    log::error("{}", state.error().message());
    return 1;
  }
  // Either test alone misses a case: the lock, a daemon serving another socket from this
  // directory; the socket, a daemon with another state directory, or a service manager that
  // holds the socket to start one on demand.
  if (state) {
    if (auto locked = state->lock_instance(); !locked) {
      log::error("refusing to clean up: {}; stop it first, its segment and lock are in use",
                 locked.message());
      return 1;
    }
  }
  if (someone_listens_on(cfg.socket_path)) {
    log::error(
        "refusing to clean up: '{}' is being served, by a live shoald or by a service "
        "manager that would start one; stop it first (systemctl stop shoald.socket shoald)",
        cfg.socket_path);
    return 1;
  }
  if (!state) {
    log::info("nothing to clean up: {}", state.error().message());
    return 0;
  }
  if (auto removed = shared_state::cleanup(*state); !removed) {
    log::error("{}", removed.message());
    return 1;
  }
  return 0;
}

}  // namespace shoal
