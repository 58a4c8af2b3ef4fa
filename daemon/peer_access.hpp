// Who may talk to the daemon. A connecting peer's credentials come from the kernel
// (SO_PEERCRED, SO_PEERGROUPS), never from anything the peer says. Allowed are root, the uid
// the daemon runs as, and members of one configured group (--allow-group): a member is a peer
// whose primary or supplementary groups (as the kernel saw them at connect time, or in
// /proc/PID/status) include it, or whose user the group database lists in it.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace shoal {

struct peer_credentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups of the peer process; may be empty
};

// The connected peer of a Unix stream socket. Supplementary groups come from SO_PEERGROUPS
// (fixed when the peer connected, so immune to pid reuse) or, on kernels without it, from
// /proc/PID/status.
result<peer_credentials> read_peer_credentials(int fd);

struct access_policy {
  uid_t daemon_uid = 0;
  std::optional<gid_t> allowed_gid;
  std::string allowed_group;  // its name, for messages; "" when no group is allowed
};

// The policy for a daemon running as `daemon_uid`; `group` ("" for none) is a group name or a
// numeric gid and must exist.
result<access_policy> make_access_policy(uid_t daemon_uid, const std::string& group);

struct access_decision {
  bool allowed = false;
  std::string why;  // "not root, not uid 0 and not a member of group 'shoal'"
};

access_decision check_access(const access_policy& policy, const peer_credentials& peer);

// The gids on the "Groups:" line of a /proc/PID/status text; empty when there is none.
std::vector<gid_t> parse_status_groups(std::string_view status_text);

}  // namespace shoal
