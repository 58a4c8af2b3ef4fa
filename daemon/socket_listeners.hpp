// Whether some process listens on a Unix socket path, told without connecting to it: a
// connection to a socket that a service manager holds would start the very daemon the caller
// wants to find stopped.
#pragma once

#include <string>

namespace shoal {

// True when /proc/net/unix (this network namespace) lists a listening socket bound to `path`.
bool someone_listens_on(const std::string& path);

}  // namespace shoal
