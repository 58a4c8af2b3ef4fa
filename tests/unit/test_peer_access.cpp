#include <doctest/doctest.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "daemon/peer_access.hpp"

namespace {

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

shoal::peer_credentials peer(pid_t pid, uid_t uid, gid_t gid, std::vector<gid_t> groups = {}) {
  shoal::peer_credentials p;
  p.pid = pid;
  p.uid = uid;
  p.gid = gid;
  p.groups = std::move(groups);
  return p;
}

// A uid that no account on the machine has, so the group database knows nothing of it.
constexpr uid_t unknown_uid = 3999999;

}  // namespace

TEST_CASE("peer access: the Groups line of /proc/PID/status") {
  CHECK(shoal::parse_status_groups("Name:\tbash\nGroups:\t4 24 27 \nNgid:\t0\n") ==
        std::vector<gid_t>{4, 24, 27});
  CHECK(shoal::parse_status_groups("Name:\tinit\nGroups:\t\nNgid:\t0\n").empty());
  CHECK(shoal::parse_status_groups("Name:\tinit\n").empty());
  CHECK(shoal::parse_status_groups("Groups:\t1000").size() == 1);
}

TEST_CASE("peer access: credentials come from the kernel for a connected socket") {
  int pair[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
  auto creds = shoal::read_peer_credentials(pair[0]);
  close(pair[0]);
  close(pair[1]);
  REQUIRE(creds.ok());
  CHECK(creds->pid == getpid());
  CHECK(creds->uid == geteuid());
  CHECK(creds->gid == getegid());
  std::vector<gid_t> mine(static_cast<std::size_t>(getgroups(0, nullptr)));
  getgroups(static_cast<int>(mine.size()), mine.data());
  std::vector<gid_t> seen = creds->groups;
  std::sort(mine.begin(), mine.end());
  std::sort(seen.begin(), seen.end());
  CHECK(seen == mine);
}

TEST_CASE("peer access: a group is resolved by name or number, and must exist") {
  auto none = shoal::make_access_policy(1000, "");
  REQUIRE(none.ok());
  CHECK_FALSE(none->allowed_gid.has_value());

  auto by_name = shoal::make_access_policy(1000, "root");
  REQUIRE(by_name.ok());
  CHECK(by_name->allowed_gid == gid_t{0});

  auto by_number = shoal::make_access_policy(1000, "0");
  REQUIRE(by_number.ok());
  CHECK(by_number->allowed_group == "root");

  auto missing = shoal::make_access_policy(1000, "shoal-no-such-group");
  REQUIRE_FALSE(missing.ok());
  CHECK(mentions(missing.error().message(), "shoal-no-such-group"));
}

TEST_CASE("peer access: root and the daemon's own uid are always allowed") {
  shoal::access_policy policy;
  policy.daemon_uid = 1234;
  auto root = shoal::check_access(policy, peer(10, 0, 0));
  CHECK(root.allowed);
  CHECK(root.why == "root");
  CHECK(shoal::check_access(policy, peer(11, 1234, 1234)).allowed);
}

TEST_CASE("peer access: anyone else is refused, and told why without its own pid") {
  shoal::access_policy policy;
  policy.daemon_uid = 0;
  auto stranger = shoal::check_access(policy, peer(4321, unknown_uid, 5000, {5001}));
  CHECK_FALSE(stranger.allowed);
  CHECK(mentions(stranger.why, "uid " + std::to_string(unknown_uid)));
  CHECK(mentions(stranger.why, "not root"));
  CHECK_FALSE(mentions(stranger.why, "pid"));  // the client is told why, not its own pid

  policy.allowed_gid = 6000;
  policy.allowed_group = "operators";
  auto outsider = shoal::check_access(policy, peer(4321, unknown_uid, 5000, {5001}));
  CHECK_FALSE(outsider.allowed);
  CHECK(mentions(outsider.why, "'operators'"));
}

TEST_CASE("peer access: members of the allowed group are served") {
  shoal::access_policy policy;
  policy.daemon_uid = 0;
  policy.allowed_gid = 6000;
  policy.allowed_group = "operators";
  SUBCASE("by the peer's primary group") {
    CHECK(shoal::check_access(policy, peer(7, unknown_uid, 6000)).allowed);
  }
  SUBCASE("by one of the peer's supplementary groups") {
    auto d = shoal::check_access(policy, peer(7, unknown_uid, 5000, {5001, 6000}));
    CHECK(d.allowed);
    CHECK(mentions(d.why, "supplementary"));
  }
  SUBCASE("by the group database, for a process that has not picked the group up yet") {
    // nobody's primary group in the passwd database; the peer process claims none of it.
    passwd* nobody = getpwnam("nobody");
    REQUIRE(nobody != nullptr);
    policy.allowed_gid = nobody->pw_gid;
    policy.allowed_group = "nobody's group";
    auto d = shoal::check_access(policy, peer(999999, nobody->pw_uid, 5000));
    CHECK(d.allowed);
    CHECK(mentions(d.why, "its user is a member"));
    // The same gid means nothing for a uid with no account.
    CHECK_FALSE(shoal::check_access(policy, peer(999999, unknown_uid, 5000)).allowed);
  }
}
