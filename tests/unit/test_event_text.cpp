// Events as a person reads them: `shoal watch` on a terminal, and the events pane of `top`.
#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "client/cli.hpp"
#include "client/event_text.hpp"
#include "unit/test_cli_fake_daemon.hpp"

using namespace shoal;
using shoal::test::fake_daemon;
using shoal::test::reply_line;

namespace {

// Local time is part of the line; pin it for the test and put the old zone back after.
struct utc_zone {
  std::string old;
  bool had = false;
  utc_zone() {
    if (const char* tz = std::getenv("TZ")) {
      old = tz;
      had = true;
    }
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
  ~utc_zone() {
    if (had)
      ::setenv("TZ", old.c_str(), 1);
    else
      ::unsetenv("TZ");
    ::tzset();
  }
};

json event(json fields) {
  json e = {{"seq", 7}, {"time", "2026-11-24T17:55:01.123Z"}};
  e.update(fields);
  return e;
}

std::string what(json fields) { return cli::describe_event(event(std::move(fields))).what; }

}  // namespace

TEST_CASE("every event type has its sentence") {
  CHECK(what({{"type", "started"}, {"name", "web-1"}, {"pid", 42}}) == "web-1 started (pid 42)");
  CHECK(what({{"type", "started"}, {"name", "web-1"}, {"pid", 43}, {"restarts", 2}}) ==
        "web-1 started (pid 43), restart 2");
  CHECK(
      what(
          {{"type", "exited"}, {"name", "w"}, {"pid", 42}, {"exitcode", 1}, {"signal", nullptr}}) ==
      "w exited with 1 (pid 42)");
  CHECK(what({{"type", "exited"},
              {"name", "w"},
              {"pid", 42},
              {"exitcode", -9},
              {"signal", "SIGKILL"}}) == "w was killed by SIGKILL (pid 42)");
  CHECK(what({{"type", "stopped"},
              {"name", "w"},
              {"pid", 42},
              {"exitcode", -15},
              {"signal", "SIGTERM"}}) == "w stopped, was killed by SIGTERM (pid 42)");
  CHECK(what({{"type", "stopped"}, {"name", "w"}, {"restart_cancelled", true}}) ==
        "w stopped: its restart is cancelled");
  CHECK(what({{"type", "restarting"}, {"name", "w"}, {"delay", 1.5}, {"attempt", 1}}) ==
        "w restarts in 1.5 s (attempt 1)");
  CHECK(what({{"type", "restarting"}, {"name", "w"}, {"delay", 4.0}, {"attempt", 3}}) ==
        "w restarts in 4 s (attempt 3)");
  CHECK(what({{"type", "fatal"},
              {"name", "w"},
              {"restarts", 5},
              {"restart_max", 5},
              {"restart_window", 300}}) == "w gave up restarting: 5 restarts within 300 s");
  CHECK(what({{"type", "lock_recovered"}, {"name", "lock"}, {"owner", 99}}) ==
        "lock released: its owner pid 99 died holding it");
  CHECK(what({{"type", "lock_recovered"}, {"name", "jobs"}, {"owner", 7}}) ==
        "lock jobs released: its owner pid 7 died holding it");
  CHECK(what({{"type", "value_created"},
              {"name", "salmonCount"},
              {"kind", "value"},
              {"typecode", "i"}}) == "value salmonCount created (typecode i)");
  CHECK(
      what({{"type", "value_deleted"}, {"name", "temps"}, {"kind", "array"}, {"typecode", "d"}}) ==
      "array temps deleted");
  // A type from a newer daemon is still shown, with everything it carries.
  CHECK(what({{"type", "frobbed"}, {"name", "x"}, {"level", 3}}) == "frobbed x {\"level\":3}");
}

TEST_CASE("the line carries local time and seq; colour only when asked") {
  utc_zone utc;
  json failed = event({{"type", "exited"}, {"name", "w"}, {"pid", 42}, {"exitcode", 1}});
  CHECK(cli::format_event_line(failed, false) == "17:55:01 #7 w exited with 1 (pid 42)");
  CHECK(cli::format_event_line(failed, true) ==
        "17:55:01 #7 \x1b[31mw exited with 1 (pid 42)\x1b[0m");
  json ok = event({{"type", "exited"}, {"name", "w"}, {"pid", 42}, {"exitcode", 0}});
  CHECK(cli::format_event_line(ok, true) == "17:55:01 #7 w exited with 0 (pid 42)");
  CHECK(cli::describe_event(json{{"type", "started"}, {"name", "x"}}).time == "--:--:--");
}

TEST_CASE("watch prints sentences on a terminal, JSON lines with --json or into a pipe") {
  utc_zone utc;
  auto run_watch = [](bool tty, std::vector<std::string> extra) {
    fake_daemon daemon(fake_daemon::batch(1, [](const std::vector<json>& req) {
      json ev = event({{"type", "started"}, {"name", "web"}, {"pid", 42}});
      return std::vector<std::string>{
          reply_line(req[0], {{"seq", 7}, {"replayed", 0}, {"lost", 0}}),
          to_line({{"id", req[0].at("id")}, {"event", ev}})};
    }));
    std::vector<std::string> args{"watch", "-n", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    cli::output out, err;
    cli::environment env;
    env.socket_path = daemon.path();
    env.out_is_tty = tty;
    int code = cli::run(args, out, err, env);
    CHECK(code == 0);
    CHECK(err.str().empty());
    return out.str();
  };
  CHECK(run_watch(true, {}) == "17:55:01 #7 web started (pid 42)\n");
  json line = json::parse(run_watch(true, {"--json"}));
  CHECK(line.at("type") == "started");
  CHECK(json::parse(run_watch(false, {})).at("name") == "web");
}
