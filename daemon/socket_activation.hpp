// A listening socket handed over by a service manager (sd_listen_fds(3)'s protocol, without
// libsystemd): the manager sets LISTEN_PID to our pid, LISTEN_FDS to the number of descriptors
// passed from fd 3 upwards and, optionally, LISTEN_FDNAMES to their colon-separated names.
// Shoal serves exactly one socket, so exactly one descriptor is expected: fd 3.
#pragma once

#include <string>

#include "common/status.hpp"

namespace shoal {

struct activated_socket {
  int fd = -1;       // -1: not socket-activated, the daemon binds its own socket
  std::string name;  // from LISTEN_FDNAMES; "" when the manager gave none
  std::string path;  // the filesystem path it is bound to; "" for an abstract/unnamed socket

  bool activated() const { return fd >= 0; }
};

// Without LISTEN_FDS in the environment: {fd = -1}. With it, fd 3 once LISTEN_PID is checked
// to be this process and fd 3 is checked to be a listening AF_UNIX SOCK_STREAM socket; it is
// made close-on-exec so children never inherit it. Anything else is an error saying what is
// wrong. LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES are unset in every case, so children never
// believe the descriptors were meant for them.
result<activated_socket> take_activated_socket();

// The checks on one descriptor, shared with the tests: a listening AF_UNIX stream socket.
// Returns the path it is bound to ("" when abstract or unnamed).
result<std::string> check_listening_unix_socket(int fd);

}  // namespace shoal
