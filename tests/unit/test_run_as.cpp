#include <doctest/doctest.h>

#include <pwd.h>

#include <string>
#include <vector>

#include "daemon/run_as.hpp"

using namespace shoal;

namespace {

const std::vector<std::string> argv = {"id", "-u"};

// An account every Debian system has; its ids are read, not assumed.
const passwd& nobody() {
  static const passwd* pw = ::getpwnam("nobody");
  REQUIRE(pw != nullptr);
  return *pw;
}

}  // namespace

TEST_CASE("run_as: nothing to change runs argv itself") {
  run_as none;
  CHECK_FALSE(none.changes_anything());
  CHECK(none.wrap(argv) == argv);
}

TEST_CASE("run_as: a user runs argv behind setpriv with that user's groups") {
  run_as r;
  REQUIRE(r.set_user("nobody").ok());
  CHECK(r.uid == nobody().pw_uid);
  CHECK(r.gid == nobody().pw_gid);
  CHECK(r.wrap(argv) == std::vector<std::string>{
                            "/usr/bin/setpriv", "--reuid=" + std::to_string(nobody().pw_uid),
                            "--regid=" + std::to_string(nobody().pw_gid), "--init-groups", "--",
                            "id", "-u"});
}

TEST_CASE("run_as: only a group clears the supplementary groups instead of keeping the daemon's") {
  run_as r;
  REQUIRE(r.set_group("root").ok());
  CHECK_FALSE(r.uid.has_value());
  CHECK(r.wrap(argv) ==
        std::vector<std::string>{"/usr/bin/setpriv", "--regid=0", "--clear-groups", "--", "id", "-u"});
}

TEST_CASE("run_as: a group takes the place of the user's primary group, in either order") {
  auto user_first = resolve_run_as(std::string("nobody"), std::string("root"));
  REQUIRE(user_first.ok());
  CHECK(user_first->uid == nobody().pw_uid);
  CHECK(user_first->gid == gid_t{0});

  run_as group_first;
  REQUIRE(group_first.set_group("root").ok());
  REQUIRE(group_first.set_user("nobody").ok());
  CHECK(group_first.gid == gid_t{0});
  CHECK(group_first.wrap(argv) == user_first->wrap(argv));
}

TEST_CASE("run_as: numeric ids name the accounts that have them") {
  auto by_uid = find_user(std::to_string(nobody().pw_uid));
  REQUIRE(by_uid.ok());
  CHECK(by_uid->uid == nobody().pw_uid);
  CHECK(by_uid->primary_gid == nobody().pw_gid);
  auto by_gid = find_group("0");
  REQUIRE(by_gid.ok());
  CHECK(*by_gid == gid_t{0});
}

TEST_CASE("run_as: unknown users and groups are refused by name and change nothing") {
  run_as r;
  status st = r.set_user("no-such-user-xyz");
  CHECK(st.code() == errc::bad_request);
  CHECK_MESSAGE(st.message() == "no user named 'no-such-user-xyz'", st.message());
  st = r.set_group("no-such-group-xyz");
  CHECK(st.code() == errc::bad_request);
  CHECK_MESSAGE(st.message() == "no group named 'no-such-group-xyz'", st.message());
  CHECK_FALSE(r.changes_anything());
  CHECK(r.wrap(argv) == argv);

  // A uid no account has is refused too: setpriv could not give it any groups.
  auto ghost = resolve_run_as(std::string("3999999"), std::nullopt);
  REQUIRE_FALSE(ghost.ok());
  CHECK(ghost.error().message() == "no user named '3999999'");
  auto empty = find_user("");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().code() == errc::bad_request);
}
