// Who a started process runs as, and who may act on it afterwards. The daemon runs as root
// for everyone it serves, so a peer that is not root must gain nothing by asking it: what such
// a peer starts runs with the peer's own uid, gid and groups, and it may stop, kill, remove and
// read the logs of processes of its own uid only. Root starts as anyone and acts on all.
#pragma once

#include <sys/types.h>

#include <string_view>

#include "common/status.hpp"

namespace shoal {

enum class start_identity {
  daemon,     // as the daemon itself runs: the peer is the daemon's own uid (or root)
  peer,       // as the peer: its uid and gid, its user's groups (run_as::peer)
  requested,  // as the request's `user`/`group` say
};

// How a `start` from `peer_uid` runs on a daemon of effective uid `daemon_uid`;
// `names_account`: the request sets `user` or `group`.
//   user/group, from root             -> requested (invalid_state when the daemon is not root)
//   user/group, from anyone else      -> permission_denied
//   from the daemon's own uid         -> daemon
//   from another uid, daemon is root  -> peer
//   from another uid, daemon not root -> permission_denied: it cannot switch users, and running
//                                        the process as itself would hand the peer its uid
result<start_identity> choose_start_identity(uid_t peer_uid, uid_t daemon_uid, bool names_account);

// Whether `peer_uid` may `action` ("stop", "read the logs of") the process `name`, which runs
// (or ran) as `owner_uid`. permission_denied names the process, its owner and the peer.
status check_owner(uid_t peer_uid, std::string_view action, std::string_view name, uid_t owner_uid);

}  // namespace shoal
