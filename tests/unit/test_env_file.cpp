#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "common/env_file.hpp"

using namespace shoal;

namespace {

env_vars parsed(std::string_view text) {
  auto r = parse_env_file(text, "x.env");
  if (!r) FAIL_CHECK(r.error().message());
  REQUIRE(r.ok());
  return *r;
}

std::string refusal(std::string_view text) {
  auto r = parse_env_file(text, "x.env");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == errc::bad_request);
  return r.error().message();
}

using vars = env_vars;

}  // namespace

TEST_CASE("plain assignments, comments and blank lines") {
  CHECK(parsed("A=1\n# comment\n; also a comment\n\n   \nB=two words\n") ==
        vars{{"A", "1"}, {"B", "two words"}});
  CHECK(parsed("") == vars{});
  CHECK(parsed("   # indented comment\n\tC=3") == vars{{"C", "3"}});  // no final newline
}

TEST_CASE("whitespace around the key, the '=' and an unquoted value is dropped") {
  CHECK(parsed("  KEY  =   value with  inner   spaces  \t\n") ==
        vars{{"KEY", "value with  inner   spaces"}});
  CHECK(parsed("EMPTY=\nBLANK=   \n") == vars{{"EMPTY", ""}, {"BLANK", ""}});
}

TEST_CASE("a value may hold '=', '#' and ';' after its start") {
  CHECK(parsed("URL=postgres://u:p@h/db?x=1#frag;y\n") ==
        vars{{"URL", "postgres://u:p@h/db?x=1#frag;y"}});
}

TEST_CASE("single quotes keep every byte, newlines included") {
  CHECK(parsed("P='  *.log $HOME \\n \"q\" '\n") == vars{{"P", "  *.log $HOME \\n \"q\" "}});
  CHECK(parsed("M='line one\nline two'\nN=after\n") ==
        vars{{"M", "line one\nline two"}, {"N", "after"}});
}

TEST_CASE("double quotes unescape \\\" \\\\ \\` \\$ and keep other backslashes") {
  CHECK(parsed(R"(G="say \"hi\" \\ \` \$HOME \n \t")") ==
        vars{{"G", R"(say "hi" \ ` $HOME \n \t)"}});
  CHECK(parsed("S=\"  padded  \"\n") == vars{{"S", "  padded  "}});
}

TEST_CASE("a quote is special only where the value starts") {
  CHECK(parsed("A=x\"y\" 'z'\n") == vars{{"A", "x\"y\" 'z'"}});
  // After a closing quote, blanks are skipped and what follows is appended (as systemd does).
  CHECK(parsed("B=\"x\" y\n") == vars{{"B", "xy"}});
  CHECK(parsed("C='a'\"b\"\n") == vars{{"C", "ab"}});
}

TEST_CASE("a backslash continues a value on the next line") {
  CHECK(parsed("LONG=first \\\n  second\nNEXT=1\n") ==
        vars{{"LONG", "first   second"}, {"NEXT", "1"}});
  CHECK(parsed("Q=\"one \\\ntwo\"\n") == vars{{"Q", "one two"}});
  // Elsewhere a backslash escapes the next character, which then survives trimming.
  CHECK(parsed("E=a\\ \\\\\\#\n") == vars{{"E", "a \\#"}});
  CHECK(parsed("T=trail\\ \n") == vars{{"T", "trail "}});
}

TEST_CASE("a backslash does not continue a comment") {
  CHECK(parsed("# comment \\\nA=1\n") == vars{{"A", "1"}});
}

TEST_CASE("the last assignment of a variable wins, at its first position") {
  CHECK(parsed("A=1\nB=2\nA=3\n") == vars{{"A", "3"}, {"B", "2"}});
}

TEST_CASE("CRLF line ends read like LF") {
  CHECK(parsed("A=1\r\nB = 2 \r\n# c\r\n\r\nC=\"3\"\r\n") ==
        vars{{"A", "1"}, {"B", "2"}, {"C", "3"}});
}

TEST_CASE("refusals name the file and the line") {
  CHECK(refusal("A=1\nJUST_A_WORD\n") == "x.env:2: expected KEY=VALUE, found 'JUST_A_WORD'");
  CHECK(refusal("A=1\n\nexport B=2\n") ==
        "x.env:3: 'export' is not part of the syntax (an environment file is not a shell "
        "script); write B=...");
  CHECK(refusal("1A=x\n") ==
        "x.env:1: '1A' is not a valid variable name (letters, digits and '_', not starting "
        "with a digit)");
  CHECK(refusal("MY-VAR=x\n").rfind("x.env:1: 'MY-VAR' is not a valid variable name", 0) == 0);
  CHECK(refusal("=x\n") == "x.env:1: a variable name is missing before '='");
  CHECK(refusal("A=1\nB='open\nstill open\n") ==
        "x.env:2: the single quote opened here is never closed");
  CHECK(refusal("A=\"open \\\"\n") == "x.env:1: the double quote opened here is never closed");
  CHECK(refusal(std::string_view("A=1\nB=x\0y\n", 10)) == "x.env:2: a NUL byte is not allowed");
  CHECK(refusal("A=1\nB=\xff\xfe\n") == "x.env:2: the value of B is not valid UTF-8");
}

TEST_CASE("a line after a multi-line value is counted right") {
  CHECK(refusal("A='1\n2\n3'\nB=\\\nc\nbad line\n") ==
        "x.env:6: expected KEY=VALUE, found 'bad line'");
}

TEST_CASE("set_env_var replaces in place or appends") {
  vars v{{"A", "1"}, {"B", "2"}};
  set_env_var(v, "A", "9");
  set_env_var(v, "C", "3");
  CHECK(v == vars{{"A", "9"}, {"B", "2"}, {"C", "3"}});
}

TEST_CASE("load_env_file reads a file and names it in errors") {
  char dir_template[] = "/tmp/shoal-envfile-XXXXXX";
  REQUIRE(::mkdtemp(dir_template));
  std::string dir = dir_template;
  std::string good = dir + "/good.env", bad = dir + "/bad.env";
  std::ofstream(good) << "A=1\n";
  std::ofstream(bad) << "A=1\nnope\n";

  auto ok = load_env_file(good);
  REQUIRE(ok.ok());
  CHECK(*ok == vars{{"A", "1"}});

  auto wrong = load_env_file(bad);
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().message() == bad + ":2: expected KEY=VALUE, found 'nope'");

  auto missing = load_env_file(dir + "/missing.env");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message() ==
        "unable to read environment file '" + dir + "/missing.env': No such file or directory");

  auto directory = load_env_file(dir);
  REQUIRE_FALSE(directory.ok());
  CHECK(directory.error().message() ==
        "unable to read environment file '" + dir + "': not a regular file");

  ::unlink(good.c_str());
  ::unlink(bad.c_str());
  ::rmdir(dir.c_str());
}
