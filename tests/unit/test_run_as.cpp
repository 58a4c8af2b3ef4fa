#include <doctest/doctest.h>

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include "daemon/dispatcher.hpp"
#include "daemon/process_ops.hpp"
#include "daemon/run_as.hpp"
#include "daemon/supervisor.hpp"

using namespace shoal;

namespace {

const std::vector<std::string> argv = {"id", "-u"};

// An account every Debian system has; its ids are read, not assumed.
const passwd& nobody() {
  static const passwd* pw = ::getpwnam("nobody");
  REQUIRE(pw != nullptr);
  return *pw;
}

// Records what it was asked to execute and executes nothing.
struct recording_spawner final : process_host {
  std::vector<std::vector<std::string>> argvs;
  result<spawned_child> spawn(const spawn_request& req,
                              const std::function<void()>& meanwhile) override {
    meanwhile();
    argvs.push_back(req.argv);
    return status{errc::spawn_failed, "not executed in unit tests"};
  }
  int signal_group(pid_t, int) override { return ESRCH; }
  int signal_process(int, int) override { return ESRCH; }
  std::vector<pid_t> living_children() override { return {}; }
  void signal_orphan(pid_t, int) override {}
};

struct start_op {
  std::string dir = [] {
    char tmpl[] = "/tmp/shoal-unit-XXXXXX";
    return std::string(::mkdtemp(tmpl));
  }();
  asio::io_context io;
  recording_spawner spawned;
  asio_timers timers{io};
  process_logs logs{io, dir, {}};
  supervisor sup{spawned, timers, logs, {"/tmp/x.sock", 1, 10}};
  dispatcher d;
  start_op() { register_process_ops(d, sup, timers); }
  ~start_op() { std::filesystem::remove_all(dir); }

  json request(const std::string& line, uid_t peer_uid) {
    json reply;
    d.dispatch(line, peer{1, 4242, peer_uid, peer_uid}, [&](const json& r) { reply = r; });
    return reply;
  }
};

}  // namespace

TEST_CASE("start with user or group: refused to anyone but root, before anything is looked up") {
  start_op op;
  for (const char* line : {R"({"id":1,"op":"start","argv":["id"],"user":"nobody"})",
                           R"({"id":2,"op":"start","argv":["id"],"group":"root"})",
                           R"({"id":3,"op":"start","argv":["id"],"user":"no-such-user-xyz"})"}) {
    json reply = op.request(line, 1000);
    CHECK(reply["error"]["code"] == "permission_denied");
    CHECK(reply["error"]["message"] == "only root may start a process as another user");
  }
  CHECK(op.spawned.argvs.empty());
  CHECK(op.sup.list({})->empty());
}

TEST_CASE("start from a peer that is not root runs as that peer, or not at all") {
  start_op op;
  const uid_t uid = nobody().pw_uid;
  json plain = op.request(R"({"id":1,"op":"start","argv":["id"]})", uid);
  if (::geteuid() == 0) {
    CHECK(plain["error"]["code"] == "spawn_failed");  // reached the spawner, behind setpriv
    REQUIRE(op.spawned.argvs.size() == 1);
    CHECK(op.spawned.argvs[0] ==
          std::vector<std::string>{"/usr/bin/setpriv", "--reuid=" + std::to_string(uid),
                                   "--regid=" + std::to_string(uid), "--init-groups", "--", "id"});
  } else if (::geteuid() != uid) {
    // A daemon that is not root cannot switch users, and must not run it as itself.
    CHECK(plain["error"]["code"] == "permission_denied");
    CHECK(op.spawned.argvs.empty());
  }
  // A uid without an account: setpriv could not give it groups, so nothing is executed.
  std::size_t before = op.spawned.argvs.size();
  json ghost = op.request(R"({"id":2,"op":"start","argv":["id"]})", 3999999);
  CHECK(ghost["error"]["code"] == "permission_denied");
  CHECK(op.spawned.argvs.size() == before);
}

TEST_CASE("start with user from root: executed behind setpriv when the daemon is root") {
  start_op op;
  json reply = op.request(R"({"id":1,"op":"start","argv":["id","-u"],"user":"nobody"})", 0);
  if (::geteuid() != 0) {
    CHECK(reply["error"]["code"] == "invalid_state");
    CHECK(reply["error"]["message"] ==
          "shoald is not running as root; it cannot change credentials");
    CHECK(op.spawned.argvs.empty());
    return;
  }
  CHECK(reply["error"]["code"] == "spawn_failed");
  REQUIRE(op.spawned.argvs.size() == 1);
  CHECK(op.spawned.argvs[0] ==
        resolve_run_as(std::string("nobody"), std::nullopt)->wrap({"id", "-u"}));
  json unknown =
      op.request(R"({"id":2,"op":"start","argv":["id"],"group":"no-such-group-xyz"})", 0);
  CHECK(unknown["error"]["code"] == "bad_request");
  CHECK(unknown["error"]["message"] == "no group named 'no-such-group-xyz'");
  CHECK(op.spawned.argvs.size() == 1);
}

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
  CHECK(r.wrap(argv) == std::vector<std::string>{"/usr/bin/setpriv",
                                                 "--reuid=" + std::to_string(nobody().pw_uid),
                                                 "--regid=" + std::to_string(nobody().pw_gid),
                                                 "--init-groups", "--", "id", "-u"});
}

TEST_CASE("run_as: a working directory is entered after the switch, by the account itself") {
  run_as r;
  REQUIRE(r.set_user("nobody").ok());
  auto wrapped = r.wrap(argv, "/srv/its dir");
  auto plain = r.wrap(argv);
  REQUIRE(wrapped.size() == plain.size() + 5);
  // setpriv first, then a shell that changes directory and execs argv unchanged.
  CHECK(std::vector<std::string>(wrapped.begin(), wrapped.begin() + 5) ==
        std::vector<std::string>(plain.begin(), plain.begin() + 5));
  CHECK(std::vector<std::string>(wrapped.begin() + 5, wrapped.begin() + 10) ==
        std::vector<std::string>{"/bin/sh", "-c",
                                 "cd -- \"$1\" || exit; shift; unset OLDPWD; exec \"$@\"", "shoal",
                                 "/srv/its dir"});
  CHECK(std::vector<std::string>(wrapped.end() - 2, wrapped.end()) == argv);
  run_as none;
  CHECK(none.wrap(argv, "/srv") == argv);  // the spawner enters it, as the daemon runs
}

TEST_CASE("run_as: a request's variables pass setpriv under other names and get theirs back") {
  auto carried = carry_environment({{"LD_PRELOAD", "/tmp/x.so"}, {"A_1", ""}});
  REQUIRE(carried.ok());
  CHECK(carried->env ==
        environment{{"__shoal_env_LD_PRELOAD", "/tmp/x.so"}, {"__shoal_env_A_1", ""}});
  CHECK(carried->names == std::vector<std::string>{"LD_PRELOAD", "A_1"});
  // A shell would drop a name it cannot set: such a request is refused, not quietly cut.
  for (const char* name : {"dotted.name", "1X", "a-b", ""}) {
    CAPTURE(name);
    auto refused = carry_environment({{name, "v"}});
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code() == errc::bad_request);
  }

  run_as r;
  REQUIRE(r.set_user("nobody").ok());
  auto wrapped = r.wrap(argv, "", carried->names);
  REQUIRE(wrapped.size() == 5 + 4 + argv.size());
  CHECK(wrapped[5] == "/bin/sh");
  CHECK(wrapped[7] ==
        "export LD_PRELOAD=\"$__shoal_env_LD_PRELOAD\"; unset __shoal_env_LD_PRELOAD; "
        "export A_1=\"$__shoal_env_A_1\"; unset __shoal_env_A_1; exec \"$@\"");
  CHECK(wrapped[8] == "shoal");
  CHECK(std::vector<std::string>(wrapped.begin() + 9, wrapped.end()) == argv);
}

TEST_CASE("run_as: only a group clears the supplementary groups instead of keeping the daemon's") {
  run_as r;
  REQUIRE(r.set_group("root").ok());
  CHECK_FALSE(r.uid.has_value());
  CHECK(r.wrap(argv) == std::vector<std::string>{"/usr/bin/setpriv", "--regid=0", "--clear-groups",
                                                 "--", "id", "-u"});
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
