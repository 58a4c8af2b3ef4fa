#include "daemon/peer_access.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "daemon/accounts.hpp"
#include "daemon/file_text.hpp"

namespace shoal {
namespace {

// Whether the user database's entry for `uid` lists it in `wanted`.
bool user_listed_in_group(uid_t uid, gid_t wanted) {
  auto who = find_account(uid);
  return who && user_in_group(*who, wanted);
}

std::vector<gid_t> groups_from_proc(pid_t pid) {
  auto text = read_file_text("/proc/" + std::to_string(pid) + "/status");
  if (!text) return {};
  return parse_status_groups(*text);
}

}  // namespace

std::vector<gid_t> parse_status_groups(std::string_view text) {
  std::vector<gid_t> out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (line.rfind("Groups:", 0) != 0) continue;
    line.remove_prefix(7);
    while (!line.empty()) {
      std::size_t skip = line.find_first_not_of(" \t");
      if (skip == std::string_view::npos) break;
      line.remove_prefix(skip);
      gid_t gid = 0;
      auto [next, ec] = std::from_chars(line.data(), line.data() + line.size(), gid);
      if (ec != std::errc{}) break;
      out.push_back(gid);
      line.remove_prefix(static_cast<std::size_t>(next - line.data()));
    }
    break;
  }
  return out;
}

result<peer_credentials> read_peer_credentials(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
    return status::from_errno(errc::internal, "unable to read the credentials of a peer", errno);
  peer_credentials peer;
  peer.pid = cred.pid;
  peer.uid = cred.uid;
  peer.gid = cred.gid;
#ifdef SO_PEERGROUPS
  std::vector<gid_t> groups(64);
  for (int attempt = 0; attempt < 2; ++attempt) {
    len = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) == 0) {
      groups.resize(len / sizeof(gid_t));
      peer.groups = std::move(groups);
      return peer;
    }
    // ERANGE tells the size needed in len; anything else means the kernel lacks it.
    if (errno != ERANGE) break;
    groups.resize(len / sizeof(gid_t) + 1);
  }
#endif
  peer.groups = groups_from_proc(peer.pid);
  return peer;
}

result<access_policy> make_access_policy(uid_t daemon_uid, const std::string& group) {
  access_policy policy;
  policy.daemon_uid = daemon_uid;
  if (group.empty()) return policy;
  auto found = find_group(group);
  if (!found) {
    if (found.error().code() != errc::bad_request) return found.error();
    return status(errc::bad_request, "unable to allow group '" + group +
                                         "': no such group (create it with "
                                         "'groupadd --system " +
                                         group + "')");
  }
  policy.allowed_gid = *found;
  policy.allowed_group = group_name(*found);
  return policy;
}

access_decision check_access(const access_policy& policy, const peer_credentials& peer) {
  auto decide = [](bool allowed, std::string why) {
    return access_decision{allowed, std::move(why)};
  };
  if (peer.uid == 0) return decide(true, "root");
  if (peer.uid == policy.daemon_uid) return decide(true, "the daemon's own uid");
  if (policy.allowed_gid) {
    gid_t wanted = *policy.allowed_gid;
    std::string group = "'" + policy.allowed_group + "'";
    if (peer.gid == wanted) return decide(true, "primary group " + group);
    if (std::find(peer.groups.begin(), peer.groups.end(), wanted) != peer.groups.end())
      return decide(true, "supplementary group " + group);
    if (user_listed_in_group(peer.uid, wanted))
      return decide(true, "its user is a member of " + group);
    return decide(false, "uid " + std::to_string(peer.uid) + " is not root, not uid " +
                             std::to_string(policy.daemon_uid) + " and not a member of group " +
                             group);
  }
  return decide(false, "uid " + std::to_string(peer.uid) + " is not root and not uid " +
                           std::to_string(policy.daemon_uid) + " (no --allow-group given)");
}

}  // namespace shoal
