// Who a started process runs as, and who may act on it: a peer that is not root gains nothing.
#include <doctest/doctest.h>

#include <pwd.h>

#include <map>

#include "daemon/ownership.hpp"
#include "daemon/run_as.hpp"

using namespace shoal;

namespace {

constexpr uid_t root = 0;
constexpr uid_t alice = 3999001;  // no account has these: messages show the numbers
constexpr uid_t bob = 3999002;

}  // namespace

TEST_CASE("a root daemon runs root's starts as itself and anyone else's as that peer") {
  CHECK(*choose_start_identity(root, root, false) == start_identity::daemon);
  CHECK(*choose_start_identity(alice, root, false) == start_identity::peer);
  CHECK(*choose_start_identity(root, root, true) == start_identity::requested);
}

TEST_CASE("only root names the account, and only a root daemon can honour it") {
  for (uid_t daemon : {root, alice}) {
    auto asked = choose_start_identity(alice, daemon, true);
    REQUIRE_FALSE(asked.ok());
    CHECK(asked.error().code() == errc::permission_denied);
    CHECK(asked.error().message() == "only root may start a process as another user");
  }
  auto unable = choose_start_identity(root, alice, true);
  REQUIRE_FALSE(unable.ok());
  CHECK(unable.error().code() == errc::invalid_state);
}

TEST_CASE("a daemon that is not root serves its own uid and refuses to start for others") {
  CHECK(*choose_start_identity(alice, alice, false) == start_identity::daemon);
  for (uid_t peer : {bob, root}) {
    CAPTURE(peer);
    auto refused = choose_start_identity(peer, alice, false);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code() == errc::permission_denied);
    CHECK(refused.error().message().find("cannot start a process as") != std::string::npos);
    CHECK(refused.error().message().find("uid 3999001") != std::string::npos);
  }
}

TEST_CASE("root acts on every process, anyone else on those of its own uid only") {
  CHECK(check_owner(root, "stop", "web", alice).ok());
  CHECK(check_owner(root, "stop", "web", root).ok());
  CHECK(check_owner(alice, "stop", "web", alice).ok());
  status refused = check_owner(alice, "stop", "web", root);
  CHECK(refused.code() == errc::permission_denied);
  CHECK(refused.message() ==
        "unable to stop 'web': it belongs to 'root' (uid 0), and only that user or root may; "
        "you are uid 3999001");
  CHECK(check_owner(alice, "read the logs of", "web", bob).code() == errc::permission_denied);
}

TEST_CASE("a peer runs with its own uid and gid and its user's groups from the database") {
  auto r = run_as::peer(alice, 4242);
  CHECK(r.uid == alice);
  CHECK(r.gid == gid_t{4242});
  CHECK(r.wrap({"id"}) == std::vector<std::string>{"/usr/bin/setpriv", "--reuid=3999001",
                                                   "--regid=4242", "--init-groups", "--", "id"});
}

TEST_CASE("a child of another account finds that account's HOME, USER, LOGNAME and SHELL") {
  const passwd* pw = ::getpwnam("nobody");
  REQUIRE(pw != nullptr);
  auto who = find_account(pw->pw_uid);
  REQUIRE(who.ok());
  CHECK(who->name == "nobody");
  auto env = with_account_environment({{"HOME", "/srv/mine"}, {"A", "1"}}, *who);
  std::map<std::string, std::string> seen(env.begin(), env.end());
  CHECK(env.size() == seen.size());    // no name twice
  CHECK(seen["HOME"] == "/srv/mine");  // what the request sets itself wins
  CHECK(seen["USER"] == "nobody");
  CHECK(seen["LOGNAME"] == "nobody");
  CHECK(seen["SHELL"] == std::string(pw->pw_shell));
  CHECK(seen["A"] == "1");

  auto ghost = find_account(3999999);
  REQUIRE_FALSE(ghost.ok());
  CHECK(ghost.error().message() == "uid 3999999 has no entry in the user database");
  CHECK(user_name(3999999) == "3999999");
  CHECK(user_name(0) == "root");
}
