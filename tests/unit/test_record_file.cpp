#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "daemon/record_file.hpp"
#include "unit/ended_record.hpp"
#include "unit/temp_dir.hpp"

using namespace shoal;

namespace {

using shoal::testing::temp_dir;

saved_process sample(const std::string& name, pid_t pid) {
  saved_process p;
  p.name = name;
  p.spec.argv = {"sh", "-c", "echo \"quoted\" \xc3\xa9"};
  p.spec.cwd = "/srv";
  p.spec.env = {{"A", "1"}, {"EMPTY", ""}};
  p.spec.restart = {restart_mode::on_failure, 7, 42.5};
  p.spec.exec_argv = {"setpriv", "--reuid=1000"};
  p.spec.uid = 1000;
  p.spec.program = "web";
  p.spec.stop_signal = 2;
  p.spec.stop_timeout = 3.25;
  p.spec.log_max_bytes = 8192;
  p.spec.log_backups = 0;
  p.pid = pid;
  p.start_ticks = 123456789;
  p.state = process_state::running;
  p.started_at =
      std::chrono::system_clock::time_point(std::chrono::nanoseconds(1700000000123456789));
  p.start_order = 3;
  p.uid = 1000;
  p.gid = 100;
  p.user = "alice";
  p.group = "users";
  p.restart_count = 4;
  return p;
}

std::string read_all(const std::string& path) {
  std::ifstream f(path);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void append_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::app);
  f << text;
}

}  // namespace

TEST_CASE("record file: no file is no table, not an error") {
  temp_dir d;
  auto read = read_record_file(d.path);
  REQUIRE(read.ok());
  CHECK_FALSE(read->has_value());
}

TEST_CASE("record file: every field of every state comes back as written") {
  temp_dir d;
  saved_table t;
  t.boot_id = "boot-1";
  t.next_default = 9;
  t.processes.push_back(sample("web", 100));
  saved_process done = sample("job", 200);
  done.state = process_state::exited;
  testing::end_killed_after_escalation(done, std::chrono::seconds(5));
  done.spec.uid.reset();
  done.spec.stop_timeout.reset();
  t.processes.push_back(done);
  saved_process waiting = sample("flaky", 300);
  waiting.state = process_state::backoff;
  waiting.next_attempt_at = waiting.started_at + std::chrono::seconds(2);
  t.processes.push_back(waiting);
  saved_process lost = sample("gone", 400);
  lost.state = process_state::lost;
  lost.lost_reason = "pid 400 could not be verified";
  t.processes.push_back(lost);

  REQUIRE(write_record_file(d.path, t).ok());
  CHECK_FALSE(std::filesystem::exists(d.path + "/processes.json.tmp"));
  auto read = read_record_file(d.path);
  REQUIRE(read.ok());
  REQUIRE(read->has_value());
  CHECK(**read == t);
}

TEST_CASE("record file: appended changes replay in order over the table") {
  temp_dir d;
  record_file file(d.path);
  CHECK_FALSE(file.is_open());
  saved_table t;
  t.boot_id = "b";
  t.processes = {sample("a", 1), sample("b", 2)};
  REQUIRE(file.rewrite(t).ok());
  CHECK(file.is_open());

  saved_process a2 = sample("a", 1);
  a2.state = process_state::exited;
  a2.exitcode = 3;
  REQUIRE(file.append({a2, sample("c", 3)}, {"b"}, 12).ok());
  saved_process c2 = sample("c", 33);
  c2.restart_count = 5;
  REQUIRE(file.append({c2}, {}, 13).ok());
  CHECK(file.appended() == 4);

  auto read = read_record_file(d.path);
  REQUIRE(read.ok());
  const saved_table& got = **read;
  CHECK(got.next_default == 13);
  REQUIRE(got.processes.size() == 2);
  CHECK(got.processes[0] == a2);
  CHECK(got.processes[1] == c2);

  // A rewrite starts the journal over with the whole table.
  REQUIRE(file.rewrite(got).ok());
  CHECK(file.appended() == 0);
  CHECK(read_all(d.path + "/processes.json").find('\n') ==
        read_all(d.path + "/processes.json").size() - 1);
  CHECK(**read_record_file(d.path) == got);
}

TEST_CASE("record file: a journal line is what json writes for the record, byte for byte") {
  temp_dir d;
  record_file file(d.path);
  saved_table none;
  none.boot_id = "b";
  REQUIRE(file.rewrite(none).ok());
  saved_process done = sample("caf\xc3\xa9 \"x\"\t", 7);
  done.state = process_state::exited;
  testing::end_killed_after_escalation(done, std::chrono::seconds(5));
  done.next_attempt_at = done.started_at + std::chrono::seconds(2);
  done.lost_reason = "back\\slash\nnewline";
  saved_process bare = sample("bare", 8);
  bare.spec.argv = {"x"};
  bare.spec.env.clear();
  bare.spec.exec_argv.clear();
  bare.spec.uid.reset();
  bare.spec.gid = 0;
  bare.spec.stop_timeout.reset();
  bare.spec.log_max_bytes.reset();
  bare.spec.log_backups.reset();
  bare.spec.restart.window_seconds = 2;  // json writes 2.0
  bare.spec.logs = false;
  bare.start_ticks = 18446744073709551615ULL;
  REQUIRE(file.append({done, bare}, {"gone\n"}, 42).ok());

  saved_table both;
  both.processes = {done, bare};
  json whole = to_json(both);
  std::string expected;
  for (const auto& p : whole["processes"])
    expected += json{{"process", p}, {"next_default", 42}}.dump() + "\n";
  expected += json{{"removed", "gone\n"}, {"next_default", 42}}.dump() + "\n";
  std::string text = read_all(d.path + "/processes.json");
  CHECK(text.substr(text.find('\n') + 1) == expected);
  auto read = read_record_file(d.path);
  REQUIRE(read.ok());
  CHECK((*read)->processes == both.processes);
}

TEST_CASE("record file: a last line cut short by a crash is ignored, the rest is kept") {
  temp_dir d;
  record_file file(d.path);
  saved_table t;
  t.processes = {sample("a", 1)};
  REQUIRE(file.rewrite(t).ok());
  saved_process a2 = sample("a", 1);
  a2.restart_count = 9;
  REQUIRE(file.append({a2}, {}, 1).ok());
  append_text(d.path + "/processes.json", "{\"removed\": \"a\", \"next_de");
  auto read = read_record_file(d.path);
  REQUIRE(read.ok());
  REQUIRE((*read)->processes.size() == 1);
  CHECK((*read)->processes[0].restart_count == 9);
}

TEST_CASE("record file: damage is an error that names the file and the line") {
  temp_dir d;
  std::string path = d.path + "/processes.json";
  SUBCASE("not JSON at all") {
    append_text(path, "{not json\n");
    auto read = read_record_file(d.path);
    REQUIRE_FALSE(read.ok());
    CHECK(read.error().message().find("processes.json' is not valid JSON") != std::string::npos);
  }
  SUBCASE("another format") {
    append_text(path, R"({"format": 99, "boot_id": "", "next_default": 1, "processes": []})"
                      "\n");
    auto read = read_record_file(d.path);
    REQUIRE_FALSE(read.ok());
    CHECK(read.error().message().find("format 99") != std::string::npos);
  }
  SUBCASE("a damaged change in the middle") {
    saved_table t;
    REQUIRE(write_record_file(d.path, t).ok());
    append_text(path, "garbage\n{\"removed\": \"x\", \"next_default\": 1}\n");
    auto read = read_record_file(d.path);
    REQUIRE_FALSE(read.ok());
    CHECK(read.error().message().find("line 2") != std::string::npos);
  }
  SUBCASE("an unknown state") {
    saved_table t;
    t.processes = {sample("a", 1)};
    json j = to_json(t);
    j["processes"][0]["state"] = "sleeping";
    append_text(path, j.dump() + "\n");
    auto read = read_record_file(d.path);
    REQUIRE_FALSE(read.ok());
    CHECK(read.error().message().find("unknown state") != std::string::npos);
  }
}

TEST_CASE("record file: the boot id is this machine's") {
  std::string id = current_boot_id();
  CHECK(id.size() == 36);
  CHECK(id == current_boot_id());
}
