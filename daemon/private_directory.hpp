// The directories the daemon makes for its socket (and, under the default runtime directory,
// for its state) that nobody else may enter: created 0700, and the default runtime directory
// used only when it is ours.
#pragma once

#include <string>

#include "common/status.hpp"

namespace shoal {

// mkdir -p with 0700 for what it creates; an existing directory is left as it is.
status make_private_dir(const std::string& path);

// The default runtime directory may sit in /tmp, where another user could have made it first
// to watch or replace our socket: it is used only when it is ours and closed to others.
status check_owned_private(const std::string& path);

}  // namespace shoal
