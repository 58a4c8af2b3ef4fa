#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "daemon/programs_file.hpp"

using namespace shoal;

namespace {

std::string refusal(std::string_view text, bool as_root = false) {
  auto parsed = parse_programs(text, "p.json", as_root);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().code() == errc::bad_request);
  return parsed.error().message();
}

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

TEST_CASE("a full program parses with its defaults filled in") {
  auto parsed = parse_programs(R"({"programs": {
    "web": {"argv": ["./web", "--port", "8080"], "cwd": "/srv", "env": {"B": "2", "A": "1"},
            "numprocs": 3, "restart": "always", "restart_max": 7, "restart_window": 30,
            "stop_signal": "INT", "stop_timeout": 2.5, "autostart": false},
    "job": {"argv": ["true"]}
  }})",
                               "p.json", false);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->size() == 2);
  const program_spec& job = (*parsed)[0];
  const program_spec& web = (*parsed)[1];
  CHECK(job.name == "job");
  CHECK(job.autostart);
  CHECK(job.numprocs == 1);
  CHECK(job.process.restart.mode == restart_mode::on_failure);
  CHECK(job.process.stop_signal == 15);
  CHECK_FALSE(job.process.stop_timeout);
  CHECK(job.instance_names() == std::vector<std::string>{"job"});
  CHECK(job.spawn_argv() == job.process.argv);

  CHECK(web.process.argv == std::vector<std::string>{"./web", "--port", "8080"});
  CHECK(web.process.cwd == "/srv");
  CHECK(web.process.env ==
        std::vector<std::pair<std::string, std::string>>{{"A", "1"}, {"B", "2"}});
  CHECK_FALSE(web.autostart);
  CHECK(web.process.restart == restart_settings{restart_mode::always, 7, 30});
  CHECK(web.process.stop_signal == 2);
  CHECK(*web.process.stop_timeout == 2.5);
  CHECK(web.instance_names() == std::vector<std::string>{"web-1", "web-2", "web-3"});
}

TEST_CASE("JSON syntax errors name the line they are on") {
  std::string text =
      "{\"programs\": {\n  \"web\": {\"argv\": [\"x\"]},\n  \"job\": {\"argv\": [\"y\"],}\n}}\n";
  std::string msg = refusal(text);
  CHECK_MESSAGE(starts_with(msg, "p.json:3: not valid JSON"), msg);
  CHECK(starts_with(refusal("{\"programs\": {}\n\n"), "p.json:"));
  CHECK_MESSAGE(starts_with(refusal(""), "p.json:1: not valid JSON"), refusal(""));
}

TEST_CASE("semantic errors name the line of the program or of its field") {
  std::string text =
      "{\n"
      "  \"programs\": {\n"
      "    \"ok\": {\"argv\": [\"true\"]},\n"
      "    \"web\": {\n"
      "      \"argv\": [\"./web\"],\n"
      "      \"numprocs\": 0\n"
      "    }\n"
      "  }\n"
      "}\n";
  std::string msg = refusal(text);
  CHECK_MESSAGE(msg == "p.json:6: program 'web': field 'numprocs' must be an integer from 1 to 100",
                msg);

  msg = refusal("{\"programs\": {\n\n \"web\": {\"cwd\": \"/\"}}}");
  CHECK_MESSAGE(msg == "p.json:3: program 'web': field 'argv' is missing", msg);

  msg = refusal("{\"programs\": {\"a\": {\"argv\": [\"x\"],\n \"restrat\": \"always\"}}}");
  CHECK_MESSAGE(msg == "p.json:2: program 'a': unknown field 'restrat'", msg);

  // The same key inside another program's env does not mislead the locator.
  msg = refusal(
      "{\"programs\": {\n\"a\": {\"argv\": [\"x\"], \"env\": {\"restart\": \"1\"}},\n"
      "\"b\": {\"argv\": [\"x\"],\n\"restart\": \"sometimes\"}}}");
  CHECK_MESSAGE(
      msg == "p.json:4: program 'b': field 'restart' must be \"no\", \"on-failure\" or \"always\"",
      msg);
}

TEST_CASE("every field is checked") {
  auto field_error = [](const std::string& body) {
    return refusal("{\"programs\": {\"p\": {\"argv\": [\"x\"], " + body + "}}}");
  };
  CHECK(field_error("\"cwd\": \"relative\"").find("absolute path") != std::string::npos);
  CHECK(field_error("\"env\": {\"A\": 1}").find("'env'") != std::string::npos);
  CHECK(field_error("\"env\": {\"A=B\": \"1\"}").find("invalid variable name") !=
        std::string::npos);
  CHECK(field_error("\"autostart\": \"yes\"").find("'autostart'") != std::string::npos);
  CHECK(field_error("\"numprocs\": 1.5").find("'numprocs'") != std::string::npos);
  CHECK(field_error("\"numprocs\": 101").find("'numprocs'") != std::string::npos);
  CHECK(field_error("\"restart_max\": -1").find("'restart_max'") != std::string::npos);
  CHECK(field_error("\"restart_window\": 0").find("'restart_window'") != std::string::npos);
  CHECK(field_error("\"stop_signal\": \"SIGKILL\"").find("'stop_signal'") != std::string::npos);
  CHECK(field_error("\"stop_signal\": \"NOPE\"").find("'stop_signal'") != std::string::npos);
  CHECK(field_error("\"stop_timeout\": -1").find("'stop_timeout'") != std::string::npos);
  CHECK(refusal("{\"programs\": {\"p\": {\"argv\": []}}}").find("'argv'") != std::string::npos);
  CHECK(refusal("{\"programs\": {\"p\": {\"argv\": [\"\"]}}}").find("'argv'") != std::string::npos);
  CHECK(refusal("{\"programs\": {\"bad name\": {\"argv\": [\"x\"]}}}").find("must match") !=
        std::string::npos);
}

TEST_CASE("the file as a whole: shape, duplicates and clashing instance names") {
  CHECK(refusal("[]").find("one object") != std::string::npos);
  CHECK(refusal("{}").find("'programs' is missing") != std::string::npos);
  CHECK(refusal("{\"programs\": []}").find("must be an object") != std::string::npos);
  std::string msg = refusal("{\"programs\": {},\n \"extra\": 1}");
  CHECK_MESSAGE(msg == "p.json:2: unknown top-level key 'extra'", msg);
  msg = refusal("{\"programs\": {\n\"a\": {\"argv\": [\"x\"]},\n\"a\": {\"argv\": [\"y\"]}}}");
  CHECK_MESSAGE(msg == "p.json:3: key 'a' appears twice in the same object", msg);
  msg = refusal(
      "{\"programs\": {\n\"web\": {\"argv\": [\"x\"], \"numprocs\": 2},\n\"web-2\": {\"argv\": "
      "[\"y\"]}}}");
  CHECK_MESSAGE(msg.find("instance name 'web-2'") != std::string::npos, msg);
  auto empty = parse_programs("{\"programs\": {}}", "p.json", false);
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}

TEST_CASE("user and group need root, name real accounts, and run the program through setpriv") {
  std::string msg =
      refusal("{\"programs\": {\"p\": {\"argv\": [\"x\"],\n\"user\": \"root\"}}}", false);
  CHECK_MESSAGE(msg ==
                    "p.json:2: program 'p': field 'user' needs shoald to run as root (it cannot "
                    "change credentials)",
                msg);
  CHECK(
      refusal("{\"programs\": {\"p\": {\"argv\": [\"x\"], \"user\": \"no-such-user-xyz\"}}}", true)
          .find("no user named") != std::string::npos);
  auto parsed = parse_programs(
      R"({"programs": {"p": {"argv": ["id", "-u"], "user": "root", "group": "root"}}})", "p.json",
      true);
  REQUIRE(parsed.ok());
  CHECK((*parsed)[0].spawn_argv() == std::vector<std::string>{"/usr/bin/setpriv", "--reuid=0",
                                                              "--regid=0", "--init-groups", "--",
                                                              "id", "-u"});
  CHECK((*parsed)[0].process.argv == std::vector<std::string>{"id", "-u"});
}

TEST_CASE("env_file is read when the file is, under env, and its errors name both files") {
  char dir_template[] = "/tmp/shoal-progenv-XXXXXX";
  REQUIRE(::mkdtemp(dir_template));
  std::string dir = dir_template;
  std::string common = dir + "/common.env", web = dir + "/web.process.env",
              broken = dir + "/broken.env";
  std::ofstream(common) << "# shared\nLEVEL=info\nREGION='eu west'\nPORT=1\n";
  std::ofstream(web) << "PORT=8080\n";
  std::ofstream(broken) << "A=1\n\nexport B=2\n";

  auto parsed =
      parse_programs("{\"programs\": {\"web\": {\"argv\": [\"x\"], \"env_file\": [\"" + common +
                         "\", \"" + web + "\"], \"env\": {\"LEVEL\": \"debug\"}}}}",
                     "p.json", false);
  REQUIRE_MESSAGE(parsed.ok(), parsed.error().message());
  CHECK((*parsed)[0].process.env ==
        std::vector<std::pair<std::string, std::string>>{
            {"LEVEL", "debug"}, {"PORT", "8080"}, {"REGION", "eu west"}});

  auto one =
      parse_programs("{\"programs\": {\"a\": {\"argv\": [\"x\"], \"env_file\": \"" + web + "\"}}}",
                     "p.json", false);
  REQUIRE(one.ok());
  CHECK((*one)[0].process.env ==
        std::vector<std::pair<std::string, std::string>>{{"PORT", "8080"}});

  std::string msg =
      refusal("{\"programs\": {\"a\": {\"argv\": [\"x\"],\n\"env_file\": \"" + broken + "\"}}}");
  CHECK_MESSAGE(msg == "p.json:2: program 'a': " + broken +
                           ":3: 'export' is not part of the syntax (an environment file is not a "
                           "shell script); write B=...",
                msg);
  msg = refusal("{\"programs\": {\"a\": {\"argv\": [\"x\"], \"env_file\": \"" + dir +
                "/none.env\"}}}");
  CHECK_MESSAGE(msg == "p.json:1: program 'a': unable to read environment file '" + dir +
                           "/none.env': No such file or directory",
                msg);
  CHECK(refusal("{\"programs\": {\"a\": {\"argv\": [\"x\"], \"env_file\": \"rel.env\"}}}")
            .find("field 'env_file' must be an absolute path") != std::string::npos);
  CHECK(refusal("{\"programs\": {\"a\": {\"argv\": [\"x\"], \"env_file\": [1]}}}")
            .find("field 'env_file' must be an absolute path") != std::string::npos);

  for (const auto& f : {common, web, broken}) ::unlink(f.c_str());
  ::rmdir(dir.c_str());
}

TEST_CASE(
    "a program with user and cwd enters cwd after setpriv, so its env names must be a shell's") {
  auto parsed = parse_programs(
      R"({"programs": {"p": {"argv": ["id"], "user": "root", "cwd": "/srv", "env": {"A_1": "x"}}}})",
      "p.json", true);
  REQUIRE(parsed.ok());
  auto argv = (*parsed)[0].spawn_argv();
  REQUIRE(argv.size() == 11);
  CHECK(std::vector<std::string>(argv.begin() + 5, argv.end()) ==
        std::vector<std::string>{"/bin/sh", "-c",
                                 "cd -- \"$1\" || exit; shift; unset OLDPWD; exec \"$@\"", "shoal",
                                 "/srv", "id"});
  std::string msg = refusal(
      R"({"programs": {"p": {"argv": ["id"], "user": "root", "cwd": "/srv", "env": {"a.b": "x"}}}})",
      true);
  CHECK_MESSAGE(msg.find("variable 'a.b' cannot reach a program with 'user'") != std::string::npos,
                msg);
  // Without user or group no shell is involved, and any name is passed on.
  CHECK(
      parse_programs(R"({"programs": {"p": {"argv": ["id"], "cwd": "/srv", "env": {"a.b": "x"}}}})",
                     "p.json", true)
          .ok());
}

TEST_CASE("line_of_offset counts newlines before the offset") {
  CHECK(line_of_offset("a\nb\nc", 0) == 1);
  CHECK(line_of_offset("a\nb\nc", 2) == 2);
  CHECK(line_of_offset("a\nb\nc", 4) == 3);
  CHECK(line_of_offset("a\nb\nc", 100) == 3);
}
