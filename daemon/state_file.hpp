// The two ways the daemon touches a file of its state directory (the record file, the lock's
// exit releases): read it whole, and replace it whole so that a crash at any instant leaves
// the old copy or the new one. Neither follows a symlink, so a link planted in the state
// directory is refused, not written through.
//
// No fsync, on purpose: the only reader that matters is a daemon of the same boot, which sees
// the page cache whatever happened to the writer; after a crash of the machine no child and no
// lock holder is left, and the record file says which boot it is from.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace shoal {

// The whole file; nothing when it does not exist.
result<std::optional<std::string>> read_state_file(const std::string& path);

// Writes `text` to PATH.tmp and renames it over `path`; on failure PATH.tmp is removed and
// `path` is as it was.
status replace_state_file(const std::string& path, std::string_view text);

}  // namespace shoal
