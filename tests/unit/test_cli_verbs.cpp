// Finding verbs as people type them: typos, `help VERB`, aliases; and failures that a script
// reading --json output sees on stdout.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "client/cli.hpp"
#include "client/suggest.hpp"
#include "unit/cli_run.hpp"
#include "unit/test_cli_fake_daemon.hpp"

using namespace shoal;
using shoal::test::error_line;
using shoal::test::fake_daemon;
using shoal::test::reply_line;

namespace {

using shoal::test::contains;
using shoal::test::nowhere;
using shoal::test::ran;
using shoal::test::shoal_cli;

}  // namespace

TEST_CASE("edit distance counts a swap of neighbours as one edit") {
  CHECK(cli::edit_distance("status", "status") == 0);
  CHECK(cli::edit_distance("stauts", "status") == 1);
  CHECK(cli::edit_distance("stat", "status") == 2);
  CHECK(cli::edit_distance("", "ab") == 2);
  CHECK(cli::edit_distance("kitten", "sitting") == 3);
  std::vector<std::string> verbs{"start", "status", "stop", "ls"};
  CHECK(cli::nearest_words("stauts", verbs) == std::vector<std::string>{"status"});
  CHECK(cli::nearest_words("sto", verbs) == std::vector<std::string>{"stop"});
  CHECK(cli::nearest_words("xyzzy", verbs).empty());
  CHECK(cli::nearest_words("l", verbs).empty());  // one letter off a two-letter word is a guess
  CHECK(cli::quoted_alternatives(std::vector<std::string>{"a", "b", "c"}) == "'a', 'b' or 'c'");
}

TEST_CASE("a mistyped verb suggests the nearest one and exits 2") {
  auto r = shoal_cli({"stauts"});
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "shoal: unknown command 'stauts'; did you mean 'status'?\nTry 'shoal --help'.\n");

  CHECK(contains(shoal_cli({"strat", "--", "true"}).err, "did you mean 'start'?"));
  CHECK(contains(shoal_cli({"hlep"}).err, "did you mean 'help'?"));
  CHECK(contains(shoal_cli({"valeu", "get", "x"}).err, "did you mean 'value'?"));
  auto two = shoal_cli({"value", "gte", "x"});
  CHECK(two.code == 2);
  CHECK(contains(two.err, "unknown command 'value gte'; did you mean 'value get'?"));
  auto far = shoal_cli({"frobnicate"});
  CHECK(far.code == 2);
  CHECK(contains(far.err, "unknown command 'frobnicate'\n"));
}

TEST_CASE("a mistyped option suggests the nearest one") {
  auto r = shoal_cli({"status", "--jsno"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "shoal: status: unknown option '--jsno'; did you mean '--json'?"));
  CHECK(contains(shoal_cli({"start", "--env-fiel", "x", "--", "true"}).err,
                 "did you mean '--env-file'?"));
}

TEST_CASE("help VERB prints the verb's help, as VERB --help does") {
  for (std::vector<std::string> verb :
       {std::vector<std::string>{"status"}, {"start"}, {"value", "get"}, {"lock", "run"}}) {
    CAPTURE(verb);
    std::vector<std::string> help{"help"};
    help.insert(help.end(), verb.begin(), verb.end());
    std::vector<std::string> dash = verb;
    dash.push_back("--help");
    auto a = shoal_cli(help);
    auto b = shoal_cli(dash);
    CHECK(a.code == 0);
    CHECK(a.err.empty());
    CHECK(a.out == b.out);
    CHECK(contains(a.out, "usage: shoal " + verb[0]));
  }
  auto all = shoal_cli({"help"});
  CHECK(all.code == 0);
  CHECK(all.out == shoal_cli({"--help"}).out);
  CHECK(contains(all.out, "  help "));
  CHECK(contains(all.out, "ls = status"));

  auto group = shoal_cli({"help", "lock"});
  CHECK(group.code == 0);
  CHECK(contains(group.out, "shoal lock acquire"));

  auto unknown = shoal_cli({"help", "stauts"});
  CHECK(unknown.code == 2);
  CHECK(contains(unknown.err, "did you mean 'status'?"));
}

TEST_CASE("ls and ps are status") {
  for (const char* alias : {"ls", "ps"}) {
    CAPTURE(alias);
    fake_daemon daemon(fake_daemon::batch(1, [](const std::vector<json>& req) {
      return std::vector<std::string>{reply_line(req[0], {{"processes", json::array()}})};
    }));
    auto r = shoal_cli({alias, "--json"}, daemon.path());
    CHECK(r.code == 0);
    CHECK(r.out == "{\"processes\":[]}\n");
    REQUIRE(daemon.requests().size() == 1);
    CHECK(daemon.requests()[0].at("op") == "status");
    CHECK(contains(shoal_cli({alias, "--help"}).out, "usage: shoal status"));
  }
}

TEST_CASE("missing operands are named from the verb's usage") {
  auto r = shoal_cli({"value", "create", "x"});
  CHECK(r.code == 2);
  CHECK(contains(r.err,
                 "shoal: value create: missing TYPECODE (usage: shoal value create NAME "
                 "TYPECODE [INITIAL])"));
  CHECK(contains(shoal_cli({"array", "set", "a"}).err, "missing INDEX"));
  CHECK(contains(shoal_cli({"value", "get"}).err, "missing NAME"));
}

TEST_CASE("client-side checks catch what the daemon would refuse in its own words") {
  struct usage_case {
    std::vector<std::string> args;
    std::string says;
  };
  const usage_case cases[] = {
      {{"start", "--restart-max", "2000000", "--", "true"},
       "--restart-max needs a number of restarts from 0 to 1000000"},
      {{"start", "--restart-window", "0", "--", "true"},
       "--restart-window needs a number of seconds above 0"},
      {{"stop", "x", "--timeout", "1e12"}, "--timeout needs at most 1000000000 seconds"},
      {{"array", "create", "a", "i", "3", "--values", "1,2"},
       "--values has 2 element(s) but LENGTH is 3"},
      {{"array", "create", "a", "i", "0"}, "LENGTH needs 1 or more"},
      {{"start", "--name", "web", "--cwd", "/tmp"},
       "--cwd applies only to a PROGRAM given after '--'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    auto r = shoal_cli(c.args);
    CHECK(r.code == 2);
    CHECK(contains(r.err, c.says));
    CHECK_FALSE(contains(r.err, "field"));
  }
}

TEST_CASE("starting an undeclared program by name says so in the CLI's words") {
  fake_daemon daemon(fake_daemon::expanding({}, 1, [](const std::vector<json>& req) {
    return std::vector<std::string>{error_line(
        req[0], errc::bad_request,
        "field 'argv' must be a non-empty array of strings (or 'name' a declared program)")};
  }));
  auto r = shoal_cli({"start", "--name", "worker"}, daemon.path());
  CHECK(r.code == 1);
  CHECK(r.err ==
        "shoal: bad_request: no declared program named 'worker'; to start a new process under "
        "that name, give its PROGRAM: shoal start --name worker -- PROGRAM [ARG]...\n");
}

TEST_CASE("with --json a failure is also one JSON object on stdout, with the same exit code") {
  {
    fake_daemon daemon(fake_daemon::batch(1, [](const std::vector<json>& req) {
      return std::vector<std::string>{
          error_line(req[0], errc::not_found, "no process named 'wolf'")};
    }));
    auto r = shoal_cli({"remove", "wolf", "--json"}, daemon.path());
    CHECK(r.code == 1);
    CHECK(r.err == "shoal: not_found: no process named 'wolf'\n");
    CHECK(json::parse(r.out) ==
          json{{"error", {{"code", "not_found"}, {"message", "no process named 'wolf'"}}}});
  }
  {
    fake_daemon daemon(fake_daemon::batch(1, [](const std::vector<json>& req) {
      return std::vector<std::string>{
          error_line(req[0], errc::not_found, "no process named 'wolf'")};
    }));
    auto r = shoal_cli({"--json", "join", "wolf"}, daemon.path());
    CHECK(r.code == 125);
    CHECK(json::parse(r.out).at("error").at("code") == "not_found");
  }
  auto unreachable = shoal_cli({"--json", "status"});
  CHECK(unreachable.code == 3);
  CHECK(json::parse(unreachable.out).at("error").at("code") == "unreachable");
  CHECK(
      contains(json::parse(unreachable.out).at("error").at("message").get<std::string>(), nowhere));

  auto usage = shoal_cli({"kill", "--json"});
  CHECK(usage.code == 2);
  CHECK(json::parse(usage.out) == json{{"error",
                                        {{"code", "usage"},
                                         {"message",
                                          "kill: name at least one TARGET: a process, a program, "
                                          "'all' or a glob"}}}});
  auto bad_option = shoal_cli({"status", "--nope", "--json"});
  CHECK(bad_option.code == 2);
  CHECK(json::parse(bad_option.out).at("error").at("code") == "usage");
  auto typo = shoal_cli({"--json", "stauts"});
  CHECK(typo.code == 2);
  CHECK(json::parse(typo.out).at("error").at("message") ==
        "unknown command 'stauts'; did you mean 'status'?");
  auto no_verb = shoal_cli({"--json"});
  CHECK(no_verb.code == 2);
  CHECK(json::parse(no_verb.out).at("error").at("code") == "usage");
  CHECK(contains(no_verb.err, "usage: shoal"));
  // Without --json, stdout stays empty.
  CHECK(shoal_cli({"kill"}).out.empty());
  CHECK(shoal_cli({}).out.empty());
}
