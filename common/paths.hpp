// Where a daemon listens and keeps its state when not told otherwise. The client resolves
// the socket the same way, so `shoald` and `shoal` meet without flags.
#pragma once

#include <string>

namespace shoal {

// As root: /run/shoal. Otherwise $XDG_RUNTIME_DIR/shoal, or /tmp/shoal-UID when there is
// no runtime directory (the daemon creates it 0700 and checks that it owns it).
std::string default_runtime_dir();
std::string default_socket_path();  // runtime dir + "/shoal.sock"
std::string default_state_dir();    // root: /var/lib/shoal; otherwise runtime dir + "/state"

}  // namespace shoal
