// The one command-line parser (common/command_line.hpp) and the words shoald says its mistakes
// in; the client's words are in test_cli_options.cpp.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/command_line.hpp"
#include "daemon/config.hpp"

using namespace shoal;

namespace {

constexpr option_spec spec[] = {
    {"name", 0, true},
    {"verbose", 'v', false},
};

parsed_args parse(std::vector<std::string> words, operand_mode mode = operand_mode::operands) {
  return parse_command_line(words, spec, mode);
}

std::string daemon_error(std::vector<std::string> args) {
  auto c = parse_config(args);
  return c ? std::string("accepted") : c.error().message();
}

}  // namespace

TEST_CASE("a mistake comes back typed, with what was read before it") {
  auto a = parse({"-v", "--name", "x", "--nmae=y", "-v"});
  REQUIRE(a.error.has_value());
  CHECK(a.error->what == args_error::kind::unknown_option);
  CHECK(a.error->word == "--nmae=y");
  CHECK(a.error->shown == "--nmae");
  CHECK(a.error->index == 3);
  CHECK(a.value("name") == "x");
  CHECK(a.options.size() == 2);

  auto missing = parse({"--name"});
  REQUIRE(missing.error.has_value());
  CHECK(missing.error->what == args_error::kind::missing_value);
  REQUIRE(missing.error->option != nullptr);
  CHECK(missing.error->option->name == "name");

  auto flag = parse({"--verbose=1"});
  REQUIRE(flag.error.has_value());
  CHECK(flag.error->what == args_error::kind::unexpected_value);
  CHECK(flag.error->shown == "--verbose");

  auto combined = parse({"-vv"});
  REQUIRE(combined.error.has_value());
  CHECK(combined.error->what == args_error::kind::combined_options);

  auto nothing = parse({"--name", "x", "--"}, operand_mode::command);
  REQUIRE(nothing.error.has_value());
  CHECK(nothing.error->what == args_error::kind::missing_command);
}

TEST_CASE("with no operands allowed, the first operand or '--' is the mistake") {
  for (const char* word : {"stray", "--", "-5", "-"}) {
    auto a = parse({"-v", word, "--name", "x"}, operand_mode::none);
    REQUIRE(a.error.has_value());
    CHECK(a.error->what == args_error::kind::unexpected_operand);
    CHECK(a.error->word == word);
    CHECK(a.has("verbose"));
    CHECK_FALSE(a.has("name"));
  }
  auto ok = parse({"--name", "-5"}, operand_mode::none);
  CHECK_FALSE(ok.error.has_value());
  CHECK(ok.value("name") == "-5");
}

TEST_CASE("shoald tells the first mistake on its command line, in its own words") {
  CHECK(daemon_error({"--socket"}) == "--socket needs a path (see 'shoald --help')");
  CHECK(daemon_error({"--socket="}) == "--socket needs a path (see 'shoald --help')");
  CHECK(daemon_error({"--stop-timeout"}) ==
        "--stop-timeout needs a number of seconds (see 'shoald --help')");
  CHECK(daemon_error({"--stop-timeout", "-1"}) ==
        "--stop-timeout needs a number of seconds between 0 and 86400 (see 'shoald --help')");
  CHECK(daemon_error({"--log-backups", "x"}) ==
        "--log-backups needs a number of files from 0 to 1000 (see 'shoald --help')");
  CHECK(daemon_error({"stray"}) == "unknown option 'stray' (see 'shoald --help')");
  CHECK(daemon_error({"--bogus=1"}) == "unknown option '--bogus=1' (see 'shoald --help')");
  CHECK(daemon_error({"-hv"}) == "unknown option '-hv' (see 'shoald --help')");
  // In the order given: a bad value before an unknown option is the one told.
  CHECK(daemon_error({"--log-level", "loud", "--bogus"}) ==
        "--log-level takes debug, info, warning or error (see 'shoald --help')");
  CHECK(daemon_error({"--bogus", "--log-level", "loud"}) ==
        "unknown option '--bogus' (see 'shoald --help')");
  // A flag given a value is the flag alone, and what follows it is still read.
  auto flags = parse_config({"--fresh=no", "--cleanup=", "--log-level", "debug"});
  REQUIRE(flags.ok());
  CHECK(flags->fresh);
  CHECK(flags->cleanup);
  CHECK(flags->log_level == log::level::debug);
  CHECK(daemon_error({"--fresh=1", "--bogus"}) == "unknown option '--bogus' (see 'shoald --help')");
  auto c = parse_config({"--socket=/tmp/x.sock", "-h", "--shm-size", "64K", "--log-backups=0"});
  REQUIRE(c.ok());
  CHECK(c->socket_path == "/tmp/x.sock");
  CHECK(c->show_help);
  CHECK(c->shm_size == 65536);
  CHECK(c->log_limits.backups == 0);
}
