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
  return {{"name", name},
          {"pid", 4242},
          {"state", "running"},
          {"user", "alice"},
          {"exitcode", nullptr},
          {"signal", nullptr},
          {"core_dumped", false},
          {"argv", std::move(argv)},
          {"started_at", "2026-11-24T17:56:48.000Z"},
          {"ended_at", nullptr},
          {"restarts", 2},
          {"cpu_percent", 12.5},
          {"rss_bytes", 3565158}};
}

json exited_row(const std::string& name, int code, json signal = nullptr) {
  return {{"name", name},
          {"pid", 7},
          {"state", "exited"},
          {"user", "root"},
          {"exitcode", code},
          {"signal", std::move(signal)},
          {"core_dumped", false},
          {"argv", {"./bear.sh", "3"}},
          {"started_at", "2026-11-24T17:00:00.000Z"},
          {"ended_at", "2026-11-24T17:59:55.500Z"},
          {"restarts", 0},
          {"cpu_percent", nullptr},
          {"rss_bytes", nullptr}};
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
  auto leap = parse_rfc3339("2028-02-29T00:00:00Z");
  REQUIRE(leap.has_value());
  CHECK(std::chrono::system_clock::to_time_t(*leap) == 1835395200);
  for (const char* bad :
       {"", "2026-11-24", "2026-11-24T17:55:01.123", "2026-13-24T17:55:01Z",
        "2026-11-24T17:55:01.Z", "2026-11-24 17:55:01Z", "yesterday", "2026-02-29T00:00:00Z"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_rfc3339(bad).has_value());
  }
}

TEST_CASE("the status table aligns every column and says how each process is doing") {
  json processes = {exited_row("bear", 3), running("a-long-process-name", {"sleep", "60"}),
                    exited_row("victim", -9, "SIGKILL")};
  table_style style;
  style.now = now;
  auto lines = lines_of(render_status_table(processes, style));
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] ==
        "NAME                 USER   PID   STATE    EXIT        UPTIME  RESTARTS  CPU%  MEM   "
        "COMMAND");
  CHECK(lines[1] ==
        "a-long-process-name  alice  4242  running  -           3m12s   2         12.5  3.4M  "
        "sleep 60");
  CHECK(lines[2] ==
        "bear                 root   -     exited   3           4s ago  0         -     -     "
        "./bear.sh 3");
  CHECK(lines[3] ==
        "victim               root   -     exited   -9 SIGKILL  4s ago  0         -     -     "
        "./bear.sh 3");
}

TEST_CASE("rows come in natural order: w-2 before w-10") {
  json processes = {running("w-10", {"x"}), running("w-2", {"x"}), running("w-1", {"x"}),
                    running("a", {"x"})};
  auto lines = lines_of(render_status_table(processes, table_style{false, 0, now}));
  REQUIRE(lines.size() == 5);
  CHECK(lines[1].rfind("a ", 0) == 0);
  CHECK(lines[2].rfind("w-1 ", 0) == 0);
  CHECK(lines[3].rfind("w-2 ", 0) == 0);
  CHECK(lines[4].rfind("w-10 ", 0) == 0);
}

TEST_CASE("the summary counts processes by state, in the order they live through them") {
  json fatal = exited_row("f", 1);
  fatal["state"] = "fatal";
  json processes = {exited_row("a", 0),  running("b", {"x"}), fatal,
                    running("c", {"x"}), running("d", {"x"}), running("e", {"x"}),
                    running("g", {"x"})};
  CHECK(status_summary(processes) == "5 running, 1 exited, 1 fatal");
  json lost = fatal;
  lost["state"] = "lost";
  processes.push_back(lost);
  CHECK(status_summary(processes) == "5 running, 1 exited, 1 fatal, 1 lost");
  CHECK(status_summary(json::array()) == "no processes");
}

TEST_CASE("memory reads as top shows it") {
  CHECK(format_memory(512) == "512B");
  CHECK(format_memory(812 * 1024) == "812K");
  CHECK(format_memory(3565158) == "3.4M");
  CHECK(format_memory(5ull << 30) == "5.0G");
}

TEST_CASE("a record without a user (an older daemon) shows '-' in USER") {
  json record = running("a", {"x"});
  record.erase("user");
  table_style style;
  style.now = now;
  auto lines = lines_of(render_status_table(json{record}, style));
  REQUIRE(lines.size() == 2);
  CHECK(lines[1] == "a     -     4242  running  -     3m12s   2         12.5  3.4M  x");
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
  auto lines = lines_of(render_status_table(
      json{running("a", {"x"}), exited_row("b", 1), exited_row("c", 0)}, style));
  REQUIRE(lines.size() == 4);
  CHECK(lines[1].find("\x1b[32mrunning\x1b[0m") != std::string::npos);
  CHECK(lines[2].find("\x1b[31mexited\x1b[0m") != std::string::npos);
  CHECK(lines[2].find("\x1b[31m1\x1b[0m") != std::string::npos);
  CHECK(lines[3].find("\x1b[") == std::string::npos);
  auto plain = lines_of(
      render_status_table(json{running("a", {"x"}), exited_row("b", 1), exited_row("c", 0)},
                          table_style{false, 0, now}));
  CHECK(plain[2] == "b     root   -     exited   1     4s ago  0         -     -     ./bear.sh 3");
}

TEST_CASE("on a narrow terminal the command is cut to fit, on whole characters") {
  table_style style;
  style.now = now;
  style.width = 90;
  json long_one = running("a", {"printf", "%s", "ünïcode-and-a-very-long-argument-indeed"});
  auto cut = lines_of(render_status_table(json{long_one}, style));
  REQUIRE(cut.size() == 2);
  // Columns count code points, not bytes: "…" and "ü" are one column each.
  std::size_t columns = 0;
  for (char c : cut[1])
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++columns;
  CHECK(columns == 90);
  CHECK(cut[1].size() > 3);
  CHECK(cut[1].substr(cut[1].size() - 3) == "\u2026");

  style.width = 0;
  auto whole = lines_of(render_status_table(json{long_one}, style));
  CHECK(whole[1].find("indeed") != std::string::npos);
}

TEST_CASE("a process that is not running shows when it ended, whatever its state") {
  json fatal = exited_row("flaky", 1);
  fatal["state"] = "fatal";
  json backoff = exited_row("retry", 2);
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
