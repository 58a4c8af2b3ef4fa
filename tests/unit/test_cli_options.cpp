// The CLI's argument parser: options, operands, `--`, and the global options every verb takes.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "client/options.hpp"

using namespace shoal;
using namespace shoal::cli;

namespace {

constexpr option_spec spec[] = {
    {"name", 0, true},
    {"env", 0, true},
    {"verbose", 'v', false},
};

result<parsed_args> parse(std::vector<std::string> words,
                          operand_mode mode = operand_mode::operands) {
  return parse_args(words, spec, mode);
}

}  // namespace

TEST_CASE("options take values separately or after '='; flags take none") {
  auto a = parse({"--name", "bear", "x", "--env=K=V", "-v", "y"});
  REQUIRE(a.ok());
  CHECK(a->value("name") == "bear");
  CHECK(a->value("env") == "K=V");
  CHECK(a->has("verbose"));
  CHECK(a->operands == std::vector<std::string>{"x", "y"});
  CHECK(a->command.empty());
}

TEST_CASE("a repeated option keeps every value, and the last one wins as a single value") {
  auto a = parse({"--env", "A=1", "--env", "B=2", "--name", "one", "--name", "two"});
  REQUIRE(a.ok());
  CHECK(a->values("env") == std::vector<std::string>{"A=1", "B=2"});
  CHECK(a->value("name") == "two");
  CHECK_FALSE(a->value("verbose").has_value());
}

TEST_CASE("global options are accepted by every verb's parser") {
  auto a = parse({"x", "--socket", "/tmp/s.sock", "--json", "-h"});
  REQUIRE(a.ok());
  CHECK(a->value("socket") == "/tmp/s.sock");
  CHECK(a->has("json"));
  CHECK(a->has("help"));
  auto none = parse_args(std::vector<std::string>{"--json"}, {}, operand_mode::operands);
  REQUIRE(none.ok());
  CHECK(none->has("json"));
}

TEST_CASE("mistakes are reported with the word that caused them") {
  auto unknown = parse({"--nope"});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code() == errc::bad_request);
  CHECK(unknown.error().message().find("--nope") != std::string::npos);

  auto missing = parse({"x", "--name"});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message().find("--name") != std::string::npos);
  CHECK(missing.error().message().find("value") != std::string::npos);

  auto flag_value = parse({"--verbose=yes"});
  REQUIRE_FALSE(flag_value.ok());
  CHECK(flag_value.error().message().find("--verbose") != std::string::npos);

  CHECK_FALSE(parse({"-x"}).ok());
  CHECK_FALSE(parse({"-vv"}).ok());
}

TEST_CASE("negative numbers and a lone '-' are operands, not options") {
  auto a = parse({"-5", "-1.5", "-.5", "-"});
  REQUIRE(a.ok());
  CHECK(a->operands == std::vector<std::string>{"-5", "-1.5", "-.5", "-"});
}

TEST_CASE("'--' ends the options: later words are operands even when they look like options") {
  auto a = parse({"-v", "--", "--name", "-v"});
  REQUIRE(a.ok());
  CHECK(a->operands == std::vector<std::string>{"--name", "-v"});
  CHECK(a->values("verbose").size() == 1);
}

TEST_CASE("in command mode, '--' or the first operand starts the command, options and all") {
  auto dashed = parse({"--name", "bear", "--", "./bear.sh", "--name", "-v"}, operand_mode::command);
  REQUIRE(dashed.ok());
  CHECK(dashed->value("name") == "bear");
  CHECK(dashed->command == std::vector<std::string>{"./bear.sh", "--name", "-v"});
  CHECK(dashed->operands.empty());

  auto bare = parse({"-v", "ls", "-l", "--json"}, operand_mode::command);
  REQUIRE(bare.ok());
  CHECK(bare->command == std::vector<std::string>{"ls", "-l", "--json"});
  CHECK_FALSE(bare->has("json"));

  auto empty = parse({"--name", "x", "--"}, operand_mode::command);
  CHECK_FALSE(empty.ok());

  auto nothing = parse({"--name", "x"}, operand_mode::command);
  REQUIRE(nothing.ok());
  CHECK(nothing->command.empty());
}

TEST_CASE("seconds are finite numbers >= 0") {
  CHECK(*parse_seconds("--timeout", "0") == 0.0);
  CHECK(*parse_seconds("--timeout", "0.25") == 0.25);
  CHECK(*parse_seconds("--timeout", "10") == 10.0);
  for (const char* bad : {"", "soon", "-1", "1s", "nan", "inf", "1e999"}) {
    CAPTURE(bad);
    auto r = parse_seconds("--timeout", bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().find("--timeout") != std::string::npos);
  }
}

TEST_CASE("integers are whole numbers within range") {
  CHECK(*parse_integer("INDEX", "42") == 42);
  CHECK(*parse_integer("INDEX", "-7") == -7);
  CHECK(*parse_integer("INDEX", "+7") == 7);
  for (const char* bad : {"", "4.2", "x", "99999999999999999999", "1 "}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_integer("INDEX", bad).ok());
  }
}
