// `status` writes each record as text, without a json tree: it must read exactly as the tree
// to_json() builds, with the usage members, would dump. `start`, `join` and `stop` answer the
// same text without them: exactly to_json()'s dump.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>

#include <asio/io_context.hpp>

#include "daemon/log_directory.hpp"
#include "daemon/process_json.hpp"
#include "daemon/process_output.hpp"
#include "unit/ended_record.hpp"

using namespace shoal;

namespace {

std::string as_tree(const process_record& r, const std::optional<proc_usage>& usage) {
  json j = to_json(r);
  j["cpu_seconds"] = usage ? json(usage->cpu_seconds) : json(nullptr);
  j["cpu_percent"] = usage ? json(std::round(cpu_percent(*usage) * 10) / 10) : json(nullptr);
  j["rss_bytes"] = usage ? json(usage->rss_bytes) : json(nullptr);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string as_text(const process_record& r, const std::optional<proc_usage>& usage) {
  std::string out;
  append_status_json(out, r, usage);
  return out;
}

std::string reply_tree(const process_record& r) {
  return to_json(r).dump(-1, ' ', false, json::error_handler_t::replace);
}

process_record running_record() {
  process_record r;
  r.name = "web-1";
  r.spec.argv = {"/usr/bin/python3", "-m", "http.server", "8080"};
  r.spec.cwd = "/srv/www";
  r.pid = 4242;
  r.state = process_state::running;
  r.started_at = std::chrono::system_clock::time_point{std::chrono::milliseconds(1795542901123)};
  r.uid = 1000;
  r.gid = 1000;
  r.user = "alice";
  r.group = "staff";
  return r;
}

}  // namespace

TEST_CASE("a running record reads as its json tree, with and without usage") {
  process_record r = running_record();
  CHECK(as_text(r, std::nullopt) == as_tree(r, std::nullopt));
  CHECK(record_json_text(r) == reply_tree(r));
  proc_usage usage{12.34, 5 << 20, 3.5, 20.25};
  CHECK(as_text(r, usage) == as_tree(r, usage));
  CHECK(json::parse(as_text(r, usage))["rss_bytes"] == 5 << 20);
}

TEST_CASE("an exited, restarting record of a program reads as its json tree") {
  process_record r = running_record();
  r.state = process_state::backoff;
  testing::end_killed_after_escalation(r, std::chrono::milliseconds(2500));
  r.next_attempt_at = *r.ended_at + std::chrono::seconds(4);
  r.spec.program = "web";
  r.spec.restart = {restart_mode::on_failure, 7, 12.5};
  r.restarts = restart_tracker(r.spec.restart, [] { return 0.5; });
  r.restart_count = 3;
  CHECK(as_text(r, std::nullopt) == as_tree(r, std::nullopt));
  CHECK(record_json_text(r) == reply_tree(r));
}

TEST_CASE("a lost record carries its reason as json writes it") {
  process_record r = running_record();
  r.state = process_state::lost;
  r.lost_reason = "pid 42 could not be verified: \"reused\"";
  CHECK(as_text(r, std::nullopt) == as_tree(r, std::nullopt));
  CHECK(record_json_text(r) == reply_tree(r));
}

TEST_CASE("a record without logs says so with a null, as json writes it") {
  process_record r = running_record();
  r.spec.logs = false;
  CHECK(as_text(r, std::nullopt) == as_tree(r, std::nullopt));
  CHECK(record_json_text(r) == reply_tree(r));
  json j = json::parse(record_json_text(r));
  CHECK(j["logs"].is_null());
  CHECK_FALSE(j.contains("log_max_bytes"));
}

TEST_CASE("strings that need escaping, or are not UTF-8, are written as json writes them") {
  process_record r = running_record();
  r.spec.argv = {"sh", "-c", "echo \"a\\b\"\n\ttab", "\x01\x1f", "caf\xc3\xa9", "bad \xff byte"};
  r.spec.cwd = "/tmp/with \"quotes\"";
  r.user = "";
  CHECK(as_text(r, std::nullopt) == as_tree(r, std::nullopt));
  CHECK(record_json_text(r) == reply_tree(r));
}

TEST_CASE("a record with logs carries their counts and error as json writes them") {
  char tmpl[] = "/tmp/shoal-unit-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  {
    auto logs = log_directory::open(dir + "/logs");
    REQUIRE(logs.ok());
    asio::io_context io;
    auto output = process_output::open(io, *logs, "web-1", log_limits{65536, 2});
    REQUIRE(output.ok());
    process_record r = running_record();
    r.output = *output;
    r.output->stream(output_stream::out).write("hello\n");
    r.output->stream(output_stream::err).write("oops\n");
    CHECK(as_text(r, std::nullopt) == as_tree(r, std::nullopt));
    CHECK(record_json_text(r) == reply_tree(r));
  }
  std::filesystem::remove_all(dir);
}
