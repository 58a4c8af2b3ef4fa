// Whole command lines through cli::run: what a user types, what they see, and the exit code.
// A fake daemon stands in for shoald where a verb needs one.
#include <doctest/doctest.h>

#include <unistd.h>

#include <string>
#include <vector>

#include "client/cli.hpp"
#include "unit/cli_run.hpp"
#include "unit/test_cli_fake_daemon.hpp"

using namespace shoal;
using shoal::test::error_line;
using shoal::test::fake_answer;
using shoal::test::fake_daemon;
using shoal::test::reply_line;

namespace {

using shoal::test::contains;
using shoal::test::nowhere;
using shoal::test::ran;
using shoal::test::shoal_cli;

json exited_reply(const std::string& name, int exitcode, json signal = nullptr) {
  return {{"name", name},
          {"pid", 100},
          {"state", "exited"},
          {"exitcode", exitcode},
          {"signal", std::move(signal)},
          {"escalated", false},
          {"core_dumped", false},
          {"argv", {"x"}}};
}

}  // namespace

TEST_CASE("--version and --help exit 0; no verb is a usage error") {
  auto version = shoal_cli({"--version"});
  CHECK(version.code == 0);
  CHECK(version.out == std::string("shoal ") + SHOAL_VERSION + "\n");

  auto help = shoal_cli({"--help"});
  CHECK(help.code == 0);
  for (const char* verb : {"start", "join", "status", "stop", "kill", "remove", "logs", "ping"})
    CHECK(contains(help.out, verb));

  auto none = shoal_cli({});
  CHECK(none.code == 2);
  CHECK(contains(none.err, "usage"));
}

TEST_CASE("every verb answers --help and -h on stdout without a daemon") {
  for (const char* verb : {"start", "join", "status", "stop", "kill", "remove", "logs", "ping"}) {
    CAPTURE(verb);
    for (const char* flag : {"--help", "-h"}) {
      auto r = shoal_cli({verb, flag});
      CHECK(r.code == 0);
      CHECK(contains(r.out, std::string("usage: shoal ") + verb));
      CHECK(r.err.empty());
    }
  }
}

TEST_CASE("usage errors exit 2, say what is wrong and point at --help") {
  struct usage_case {
    std::vector<std::string> args;
    std::string says;
  };
  const usage_case cases[] = {
      {{"frobnicate"}, "unknown command 'frobnicate'"},
      {{"--frob", "status"}, "--frob"},
      {{"start"}, "missing PROGRAM"},
      {{"start", "--name"}, "--name"},
      {{"start", "--name", "bad name", "--", "true"}, "bad name"},
      {{"start", "--env", "NOVALUE", "--", "true"}, "KEY=VALUE"},
      {{"status", "--no-such-flag"}, "--no-such-flag"},
      {{"status", "../etc"}, "../etc"},
      {{"stop"}, "name at least one"},
      {{"stop", "x", "--timeout", "-1"}, "--timeout"},
      {{"kill"}, "name at least one TARGET"},
      {{"kill", "bad/name"}, "not a valid TARGET"},
      {{"kill", "x", "--signal", "SIGNOTHING"}, "SIGNOTHING"},
      {{"kill", "x", "--signal", "0"}, "--signal"},
      {{"remove"}, "name at least one TARGET"},
      {{"restart"}, "name at least one TARGET"},
      {{"restart", "x", "--timeout", "soon"}, "--timeout"},
      {{"logs"}, "name at least one TARGET"},
      {{"logs", "x", "-n", "many"}, "-n needs"},
      {{"logs", "x", "--stream", "out"}, "--stream takes"},
      {{"ping", "extra"}, "no operands"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    auto r = shoal_cli(c.args);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("shoal: ", 0) == 0);
    CHECK(contains(r.err, c.says));
    CHECK(contains(r.err, "--help"));
  }
}

TEST_CASE("join's own failures exit 125, like timeout(1)") {
  CHECK(shoal_cli({"join"}).code == 125);
  CHECK(shoal_cli({"join", "x", "--timeout", "soon"}).code == 125);
  CHECK(shoal_cli({"join", "bad/name"}).code == 125);
  auto unreachable = shoal_cli({"join", "x"});
  CHECK(unreachable.code == 125);
  CHECK(contains(unreachable.err, nowhere));
}

TEST_CASE("an unreachable daemon exits 3, naming the socket and how to start shoald") {
  for (const char* verb : {"status", "ping"}) {
    auto r = shoal_cli({verb});
    CHECK(r.code == 3);
    CHECK(contains(r.err, nowhere));
    CHECK(contains(r.err, "shoald --socket"));
  }
  auto flag = shoal_cli({"--socket", "/tmp/shoal-cli-test-elsewhere/x.sock", "stop", "a"});
  CHECK(flag.code == 3);
  CHECK(contains(flag.err, "/tmp/shoal-cli-test-elsewhere/x.sock"));
  auto after_verb = shoal_cli({"ping", "--socket=/tmp/shoal-cli-test-after/y.sock"});
  CHECK(after_verb.code == 3);
  CHECK(contains(after_verb.err, "/tmp/shoal-cli-test-after/y.sock"));
}

TEST_CASE("SHOAL_SOCKET is used when set and not empty") {
  CHECK(cli::default_socket("/tmp/a.sock") == "/tmp/a.sock");
  CHECK(cli::default_socket("") == cli::default_socket(nullptr));
  CHECK_FALSE(cli::default_socket(nullptr).empty());
}

TEST_CASE("start sends argv, its own cwd and the environment, and names the process") {
  fake_daemon daemon(fake_daemon::batch(1, [](const std::vector<json>& req) {
    return std::vector<std::string>{reply_line(req[0], {{"name", "bear"}, {"pid", 4242}})};
  }));
  auto r = shoal_cli({"start", "--name", "bear", "--env", "A=1=2", "--env", "B=", "--", "./bear.sh",
                      "--json", "3"},
                     daemon.path());
  CHECK(r.code == 0);
  CHECK(r.out == "started bear (pid 4242)\n");
  REQUIRE(daemon.requests().size() == 1);
  const json sent = daemon.requests()[0];
  CHECK(sent.at("op") == "start");
  CHECK(sent.at("name") == "bear");
  CHECK(sent.at("argv") == json{"./bear.sh", "--json", "3"});
  CHECK(sent.at("env") == json{{"A", "1=2"}, {"B", ""}});
  char here[4096];
  REQUIRE(::getcwd(here, sizeof here));
  CHECK(sent.at("cwd") == here);
}

TEST_CASE("a refusal exits 1 with 'shoal: code: message' on stderr and nothing on stdout") {
  fake_daemon daemon(fake_daemon::batch(1, [](const std::vector<json>& req) {
    return std::vector<std::string>{error_line(req[0], errc::not_found, "no process named 'wolf'")};
  }));
  auto r = shoal_cli({"remove", "wolf"}, daemon.path());
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "shoal: not_found: no process named 'wolf'\n");
}

TEST_CASE("join waits for all names on one connection and exits with the first failure in order") {
  fake_daemon daemon(fake_daemon::expanding({"a", "b", "c"}, 3, [](const std::vector<json>& req) {
    // Replies in reverse order: the CLI must match them by id, not by position.
    return std::vector<std::string>{reply_line(req[2], exited_reply("c", 5)),
                                    reply_line(req[1], exited_reply("b", -9, "SIGKILL")),
                                    reply_line(req[0], exited_reply("a", 0))};
  }));
  auto r = shoal_cli({"join", "a", "b", "c", "--timeout", "2.5", "-v"}, daemon.path());
  CHECK(r.code == 128 + 9);
  CHECK(r.out == "a exited with 0\nb was killed by SIGKILL\nc exited with 5\n");
  REQUIRE(daemon.requests().size() == 4);
  CHECK(daemon.requests()[0].at("op") == "status");
  CHECK(daemon.requests()[0].at("names") == json{"a", "b", "c"});
  for (std::size_t i = 1; i < 4; ++i) {
    CHECK(daemon.requests()[i].at("op") == "join");
    CHECK(daemon.requests()[i].at("timeout") == 2.5);
  }
  CHECK(daemon.requests()[1].at("name") == "a");
  CHECK(daemon.requests()[3].at("name") == "c");
}

TEST_CASE("join prints nothing on success, and its records with --json") {
  fake_daemon quiet(fake_daemon::expanding({"a"}, 1, [](const std::vector<json>& req) {
    return std::vector<std::string>{reply_line(req[0], exited_reply("a", 0))};
  }));
  auto r = shoal_cli({"join", "a"}, quiet.path());
  CHECK(r.code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());

  fake_daemon two(fake_daemon::expanding({"a", "b"}, 2, [](const std::vector<json>& req) {
    return std::vector<std::string>{reply_line(req[0], exited_reply("a", 3)),
                                    error_line(req[1], errc::timeout, "b is still running")};
  }));
  auto j = shoal_cli({"--json", "join", "a", "b"}, two.path());
  CHECK(j.code == 3);
  json printed = json::parse(j.out);
  REQUIRE(printed.is_array());
  CHECK(printed[0].at("exitcode") == 3);
  CHECK(printed[1].at("error").at("code") == "timeout");
  CHECK(contains(j.err, "shoal: timeout: b is still running"));
}

TEST_CASE("join exits 124 on timeout and 125 when the daemon drops the connection") {
  fake_daemon timing_out(fake_daemon::expanding({"slow"}, 1, [](const std::vector<json>& req) {
    return std::vector<std::string>{error_line(req[0], errc::timeout, "timed out")};
  }));
  CHECK(shoal_cli({"join", "slow", "--timeout", "0"}, timing_out.path()).code == 124);

  // A join waits for a daemon that went away to come back (up to 30 s), but never past its
  // --timeout.
  fake_daemon hanging_up(
      fake_daemon::batch(1, [](const std::vector<json>&) { return std::vector<std::string>{}; }));
  auto r = shoal_cli({"join", "slow", "--timeout", "0.5"}, hanging_up.path());
  CHECK(r.code == 125);
  CHECK(contains(r.err, "closed the connection"));
  CHECK(contains(r.err, "waiting up to 30 s for it to come back"));
}

TEST_CASE("a daemon that drops the connection mid-request exits 3 for other verbs") {
  fake_daemon hanging_up(
      fake_daemon::batch(1, [](const std::vector<json>&) { return std::vector<std::string>{}; }));
  auto r = shoal_cli({"status"}, hanging_up.path());
  CHECK(r.code == 3);
  CHECK(contains(r.err, hanging_up.path()));
}

TEST_CASE("stop says how each process ended; one refusal makes the exit code 1") {
  fake_daemon daemon(fake_daemon::expanding({"a", "b", "c"}, 3, [](const std::vector<json>& req) {
    json escalated = exited_reply("b", -9, "SIGKILL");
    escalated["escalated"] = true;
    return std::vector<std::string>{reply_line(req[1], escalated),
                                    reply_line(req[0], exited_reply("a", -15, "SIGTERM")),
                                    error_line(req[2], errc::not_found, "no process named 'c'")};
  }));
  auto r = shoal_cli({"stop", "a", "b", "c", "--timeout", "1"}, daemon.path());
  CHECK(r.code == 1);
  CHECK(r.out == "stopped a (SIGTERM)\nstopped b (escalated to SIGKILL)\n");
  CHECK(r.err == "shoal: not_found: no process named 'c'\n");
}

TEST_CASE("kill sends the signal by its canonical name; --group is passed on") {
  fake_daemon daemon(fake_daemon::expanding({"bear"}, 1, [](const std::vector<json>& req) {
    return std::vector<std::string>{reply_line(req[0], {{"name", "bear"}, {"pid", 7}})};
  }));
  auto r = shoal_cli({"kill", "bear", "--signal", "15", "--group"}, daemon.path());
  CHECK(r.code == 0);
  CHECK(r.out == "sent SIGTERM to the process group of bear (pid 7)\n");
  REQUIRE(daemon.requests().size() == 2);
  CHECK(daemon.requests()[1].at("signal") == "SIGTERM");
  CHECK(daemon.requests()[1].at("group") == true);
}

TEST_CASE("--json prints the raw result as one JSON line") {
  json hello = {{"protocol", 1}, {"version", "0.1.0"}, {"pid", 9}, {"socket", "/s"}};
  fake_daemon daemon(fake_daemon::batch(1, [&](const std::vector<json>& req) {
    return std::vector<std::string>{reply_line(req[0], hello)};
  }));
  auto r = shoal_cli({"ping", "--json"}, daemon.path());
  CHECK(r.code == 0);
  CHECK(json::parse(r.out) == hello);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
}

TEST_CASE("logs --follow reads from the returned cursor until the daemon says it is done") {
  // The expansion, then one reply per request, as the follower waits for each before asking
  // again.
  fake_daemon daemon([](const std::vector<json>& req) {
    if (req.size() == 1)
      return fake_answer{{reply_line(req[0], {{"processes", {{{"name", "chatty"}}}}})}, false};
    auto line = [](const char* text) {
      return json{{"stream", "stderr"}, {"text", text}, {"time", "2026-11-30T04:15:01.123Z"}};
    };
    const json batches[] = {
        {{"lines", {line("one")}}, {"cursor", {{"stdout", 0}, {"stderr", 4}}}, {"done", false}},
        {{"lines", json::array()}, {"cursor", {{"stdout", 0}, {"stderr", 4}}}, {"done", false}},
        {{"lines", {line("two")}}, {"cursor", {{"stdout", 0}, {"stderr", 8}}}, {"done", false}},
        {{"lines", json::array()}, {"cursor", {{"stdout", 0}, {"stderr", 8}}}, {"done", true}},
    };
    std::size_t i = req.size() - 2;
    if (i >= std::size(batches)) return fake_answer{{}, true};
    return fake_answer{{reply_line(req.back(), batches[i])}, false};
  });
  auto r = shoal_cli({"logs", "chatty", "--follow", "--stderr", "-n", "5", "--timestamps"},
                     daemon.path());
  CHECK(r.code == 0);
  CHECK(r.out == "2026-11-30T04:15:01.123Z one\n2026-11-30T04:15:01.123Z two\n");
  auto requests = daemon.requests();
  REQUIRE(requests.size() == 5);
  CHECK(requests[1].at("lines") == 5);
  CHECK_FALSE(requests[1].contains("cursor"));
  CHECK(requests[2].at("cursor").at("stderr") == 4);
  CHECK(requests[3].at("cursor").at("stderr") == 4);
  CHECK(requests[4].at("cursor").at("stderr") == 8);
  for (std::size_t i = 1; i < requests.size(); ++i) CHECK(requests[i].at("stream") == "stderr");
}

TEST_CASE("logs --follow ends at once when the first answer says the process is done") {
  fake_daemon daemon(fake_daemon::expanding({"flaky"}, 1, [](const std::vector<json>& req) {
    return std::vector<std::string>{reply_line(
        req[0], {{"lines", {{{"stream", "stdout"}, {"text", "last words"}, {"time", nullptr}}}},
                 {"cursor", {{"stdout", 11}, {"stderr", 0}}},
                 {"state", "fatal"},
                 {"done", true}})};
  }));
  auto r = shoal_cli({"logs", "flaky", "-f"}, daemon.path());
  CHECK(r.code == 0);
  CHECK(r.out == "last words\n");
  CHECK(daemon.requests().size() == 2);
  CHECK(daemon.requests()[1].at("stream") == "both");
  CHECK(daemon.requests()[1].at("lines") == 10);
}
