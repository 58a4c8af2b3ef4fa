// What `shoal status` shows people: shell-quoted commands, durations, the aligned table.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "client/shell_words.hpp"
#include "client/status_table.hpp"
#include "client/time_display.hpp"

using namespace shoal;
using namespace shoal::cli;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

const auto now = *parse_rfc3339("2026-11-24T18:00:00.000Z");

json running(const std::string& name, json argv) {
  return {{"name", name},          {"pid", 4242},           {"state", "running"},
          {"user", "alice"},
          {"exitcode", nullptr},   {"signal", nullptr},     {"core_dumped", false},
          {"argv", std::move(argv)}, {"started_at", "2026-11-24T17:56:48.000Z"},
          {"ended_at", nullptr}};
}

json exited(const std::string& name, int code, json signal = nullptr) {
  return {{"name", name},        {"pid", 7},          {"state", "exited"},
          {"user", "root"},
          {"exitcode", code},    {"signal", std::move(signal)}, {"core_dumped", false},
          {"argv", {"./bear.sh", "3"}}, {"started_at", "2026-11-24T17:00:00.000Z"},
          {"ended_at", "2026-11-24T17:59:55.500Z"}};
}

}  // namespace

TEST_CASE("words a shell would change are single-quoted, and only those") {
  CHECK(shell_quote("./bear.sh") == "./bear.sh");
  CHECK(shell_quote("KEY=v,a:b@c%d+e") == "KEY=v,a:b@c%d+e");
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("a b") == "'a b'");
  CHECK(shell_quote("$HOME") == "'$HOME'");
  CHECK(shell_quote("; rm -rf /") == "'; rm -rf /'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("*") == "'*'");
  CHECK(shell_join(json{"sh", "-c", "echo \"a b\"; exit 3"}) == "sh -c 'echo \"a b\"; exit 3'");
  CHECK(shell_join(json{"x", 5, "y"}) == "x y");
  CHECK(shell_join(json("not an array")).empty());
}

TEST_CASE("durations show their two largest units") {
  CHECK(format_duration(0s) == "0s");
  CHECK(format_duration(45s) == "45s");
  CHECK(format_duration(192s) == "3m12s");
  CHECK(format_duration(2h + 5min + 59s) == "2h05m");
  CHECK(format_duration(3 * 24h + 4h + 1min) == "3d04h");
  CHECK(format_duration(-5s) == "0s");
}

TEST_CASE("RFC 3339 times from the protocol parse to the millisecond; others do not") {
  auto t = parse_rfc3339("2026-11-24T17:55:01.123Z");
  REQUIRE(t.has_value());
  auto base = parse_rfc3339("2026-11-24T17:55:01Z");
  REQUIRE(base.has_value());
  CHECK(*t - *base == 123ms);
  CHECK(std::chrono::system_clock::to_time_t(*base) == 1795542901);
  for (const char* bad : {"", "2026-11-24", "2026-11-24T17:55:01.123", "2026-13-24T17:55:01Z",
                          "2026-11-24T17:55:01.Z", "2026-11-24 17:55:01Z", "yesterday"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_rfc3339(bad).has_value());
  }
}

TEST_CASE("the status table aligns every column and says how each process is doing") {
  json processes = {exited("bear", 3), running("a-long-process-name", {"sleep", "60"}),
                    exited("victim", -9, "SIGKILL")};
  table_style style;
  style.now = now;
  auto lines = lines_of(render_status_table(processes, style));
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] ==
        "NAME                 PID   USER   STATE    EXITCODE    UPTIME/ENDED  COMMAND");
  CHECK(lines[1] ==
        "bear                 7     root   exited   3           4s ago        ./bear.sh 3");
  CHECK(lines[2] ==
        "a-long-process-name  4242  alice  running  -           3m12s         sleep 60");
  CHECK(lines[3] ==
        "victim               7     root   exited   -9 SIGKILL  4s ago        ./bear.sh 3");
}

TEST_CASE("a record without a user (an older daemon) shows '-' in USER") {
  json record = running("a", {"x"});
  record.erase("user");
  table_style style;
  style.now = now;
  auto lines = lines_of(render_status_table(json{record}, style));
  REQUIRE(lines.size() == 2);
  CHECK(lines[1] == "a     4242  -     running  -         3m12s         x");
}

TEST_CASE("with no processes the table is just its header") {
  auto lines = lines_of(render_status_table(json::array(), table_style{}));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].rfind("NAME", 0) == 0);
}

TEST_CASE("colour marks running green and failed red without breaking the alignment") {
  table_style style;
  style.now = now;
  style.color = true;
  auto lines = lines_of(render_status_table(json{running("a", {"x"}), exited("b", 1),
                                                 exited("c", 0)},
                                            style));
  REQUIRE(lines.size() == 4);
  CHECK(lines[1].find("\x1b[32mrunning\x1b[0m") != std::string::npos);
  CHECK(lines[2].find("\x1b[31mexited\x1b[0m") != std::string::npos);
  CHECK(lines[2].find("\x1b[31m1\x1b[0m") != std::string::npos);
  CHECK(lines[3].find("\x1b[") == std::string::npos);
  auto plain = lines_of(render_status_table(json{running("a", {"x"}), exited("b", 1),
                                                 exited("c", 0)},
                                            table_style{false, 0, now}));
  CHECK(plain[2] == "b     7     root   exited   1         4s ago        ./bear.sh 3");
}

TEST_CASE("on a narrow terminal the command is cut to fit, on whole characters") {
  table_style style;
  style.now = now;
  style.width = 70;
  json long_one = running("a", {"printf", "%s", "ünïcode-and-a-very-long-argument-indeed"});
  auto cut = lines_of(render_status_table(json{long_one}, style));
  REQUIRE(cut.size() == 2);
  // Columns count code points, not bytes: "…" and "ü" are one column each.
  std::size_t columns = 0;
  for (unsigned char c : cut[1])
    if ((c & 0xC0) != 0x80) ++columns;
  CHECK(columns == 70);
  CHECK(cut[1].size() > 3);
  CHECK(cut[1].substr(cut[1].size() - 3) == "\u2026");

  style.width = 0;
  auto whole = lines_of(render_status_table(json{long_one}, style));
  CHECK(whole[1].find("indeed") != std::string::npos);
}

TEST_CASE("a process that is not running shows when it ended, whatever its state") {
  json fatal = exited("flaky", 1);
  fatal["state"] = "fatal";
  json backoff = exited("retry", 2);
  backoff["state"] = "backoff";
  table_style style;
  style.now = now;
  style.color = true;
  auto lines = lines_of(render_status_table(json{fatal, backoff}, style));
  REQUIRE(lines.size() == 3);
  CHECK(lines[1].find("4s ago") != std::string::npos);
  CHECK(lines[1].find("\x1b[31mfatal\x1b[0m") != std::string::npos);
  CHECK(lines[2].find("4s ago") != std::string::npos);
  CHECK(lines[2].find("\x1b[33mbackoff\x1b[0m") != std::string::npos);
}
