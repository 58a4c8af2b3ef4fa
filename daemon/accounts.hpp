// Users and groups as the daemon looks them up: the user and group databases (NSS) through
// the reentrant getpw*_r/getgr*_r calls, each answer copied out. The one place that does, for
// run_as (who a child runs as), ownership (whose a process is) and peer_access (who may
// connect). Lookups may block on a network database: callers keep them off hot paths.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/status.hpp"

namespace shoal {

struct account {
  uid_t uid = 0;
  gid_t primary_gid = 0;
  std::string name, home, shell;  // from its passwd entry
};

// A user by name, or by numeric uid when no user has that name; the account must exist (its
// groups and primary group come from it). bad_request: "no user named 'x'".
result<account> find_user(const std::string& name_or_uid);
// The account of `uid`, never looked up by name. not_found: "uid 4000 has no entry in the user
// database".
result<account> find_account(uid_t uid);
// The name of a user or group for people: from the database, else the number itself; looked
// up again at most every few seconds (a start records both, and must not parse the files).
std::string user_name(uid_t uid);
std::string group_name(gid_t gid);
// A group by name, or by numeric gid when no group has that name; it must exist.
// bad_request: "no group named 'x'".
result<gid_t> find_group(const std::string& name_or_gid);

// Whether the group database puts `who` in `gid`, as its primary group or a supplementary one.
bool user_in_group(const account& who, gid_t gid);

}  // namespace shoal
