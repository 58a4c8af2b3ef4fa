#include "daemon/ownership.hpp"

#include <string>

#include "daemon/run_as.hpp"

namespace shoal {
namespace {

std::string who(uid_t uid) {
  std::string name = user_name(uid);
  std::string number = std::to_string(uid);
  return name == number ? "uid " + number : "'" + name + "' (uid " + number + ")";
}

}  // namespace

result<start_identity> choose_start_identity(uid_t peer_uid, uid_t daemon_uid, bool names_account) {
  if (names_account) {
    // Refused before any name is looked up, so a refused peer learns nothing of accounts.
    if (peer_uid != 0)
      return status{errc::permission_denied, "only root may start a process as another user"};
    if (daemon_uid != 0)
      return status{errc::invalid_state,
                    "shoald is not running as root; it cannot change credentials"};
    return start_identity::requested;
  }
  if (peer_uid == daemon_uid) return start_identity::daemon;
  if (daemon_uid == 0) return start_identity::peer;
  return status{errc::permission_denied,
                "shoald runs as " + who(daemon_uid) + " and cannot start a process as " +
                    who(peer_uid) +
                    ": only a shoald running as root can run processes for other users; "
                    "start your own shoald, or ask for one that runs as root"};
}

status check_owner(uid_t peer_uid, std::string_view action, std::string_view name,
                   uid_t owner_uid) {
  if (peer_uid == 0 || peer_uid == owner_uid) return {};
  return {errc::permission_denied, "unable to " + std::string(action) + " '" + std::string(name) +
                                       "': it belongs to " + who(owner_uid) +
                                       ", and only that user "
                                       "or root may; you are " +
                                       who(peer_uid)};
}

}  // namespace shoal
