// A live record's status text is kept between requests: whatever changes in the record or in
// its usage sample, what `status` appends must be what a fresh write appends.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "daemon/dispatcher.hpp"
#include "daemon/log_directory.hpp"
#include "daemon/process_json.hpp"
#include "daemon/process_ops.hpp"
#include "daemon/process_output.hpp"
#include "daemon/status_text_cache.hpp"
#include "daemon/supervisor.hpp"
#include "unit/supervision_rig.hpp"

using namespace shoal;

namespace {

process_record live_record() {
  process_record r;
  r.name = "web-2";
  r.spec.argv = {"/usr/bin/python3", "-m", "http.server"};
  r.spec.cwd = "/srv";
  r.pid = 5151;
  r.state = process_state::running;
  r.started_at = std::chrono::system_clock::time_point{std::chrono::seconds(1795542901)};
  r.user = "alice";
  r.group = "staff";
  r.uid = r.gid = 1000;
  return r;
}

std::string fresh(const process_record& r, const std::optional<proc_usage>& usage) {
  std::string out;
  append_status_json(out, r, usage);
  return out;
}

// What the record's kept text appends to a reply already begun, which it must leave as it was.
std::string listed(const process_record& r, const std::optional<proc_usage>& usage) {
  std::string out = "[";
  r.status_text.append(out, r, usage);
  REQUIRE(out.front() == '[');
  return out.substr(1);
}

}  // namespace

TEST_CASE("a live record's kept text follows every change of the record and of its usage") {
  process_record r = live_record();
  std::optional<proc_usage> usage = proc_usage{0.25, 4 << 20, 100.5, 160.5};
  CHECK(listed(r, usage) == fresh(r, usage));
  CHECK(r.status_text.holds_text());
  CHECK(listed(r, usage) == fresh(r, usage));  // unchanged: the same text again

  auto still_fresh = [&](const std::string& what) {
    CAPTURE(what);
    CHECK(listed(r, usage) == fresh(r, usage));
  };
  usage->cpu_seconds = 1.5;
  still_fresh("cpu time");
  usage->sampled_after_boot_seconds = 170.5;
  still_fresh("a later sample: another cpu share");
  usage->rss_bytes = 9 << 20;
  still_fresh("rss");
  usage.reset();
  still_fresh("no usage: /proc unreadable");
  r.state = process_state::stopping;
  still_fresh("state");
  r.exitcode = -15;
  r.term_signal = 15;
  r.ended_at = r.started_at + std::chrono::seconds(3);
  r.state = process_state::backoff;
  r.restarts = restart_tracker(restart_settings{restart_mode::always, 5, 30}, [] { return 0.5; });
  auto now = std::chrono::steady_clock::now();
  REQUIRE(r.restarts.on_exit(now, now, true).what == restart_tracker::decision::kind::restart);
  still_fresh("waiting to restart: exit status, restart settings, attempt");
  r.next_attempt_at = *r.ended_at + std::chrono::seconds(1);
  still_fresh("next attempt");
  r.state = process_state::running;
  r.pid = 5252;
  r.exitcode.reset();
  r.term_signal.reset();
  r.ended_at.reset();
  r.next_attempt_at.reset();
  r.started_at += std::chrono::seconds(4);
  ++r.restart_count;
  still_fresh("respawned: new pid, start time, restart count");
  r.core_dumped = true;
  still_fresh("core dumped");
  r.escalated = true;
  still_fresh("escalated");
  r.lost_reason = "pid 5252 could not be verified";
  still_fresh("a reason");
  r.state = process_state::lost;
  still_fresh("lost");
}

TEST_CASE("a live record's kept text follows what its logs count") {
  testing::temp_dir dir;
  auto logs = log_directory::open(dir.path + "/logs");
  REQUIRE(logs.ok());
  asio::io_context io;
  auto output = process_output::open(io, *logs, "web-2", log_limits{65536, 2});
  REQUIRE(output.ok());
  process_record r = live_record();
  CHECK(listed(r, std::nullopt) == fresh(r, std::nullopt));
  r.output = *output;
  CHECK(listed(r, std::nullopt) == fresh(r, std::nullopt));
  r.output->stream(output_stream::out).write("hello\n");
  CHECK(listed(r, std::nullopt) == fresh(r, std::nullopt));
  r.output->stream(output_stream::err).write("oops\n");
  CHECK(listed(r, std::nullopt) == fresh(r, std::nullopt));
  r.output.reset();
  r.quiet_log_limits = log_limits{4096, 1};
  CHECK(listed(r, std::nullopt) == fresh(r, std::nullopt));
}

TEST_CASE("a done record is written afresh and lets its kept text go") {
  process_record r = live_record();
  CHECK(listed(r, std::nullopt) == fresh(r, std::nullopt));
  REQUIRE(r.status_text.holds_text());
  r.state = process_state::exited;
  r.exitcode = 0;
  r.ended_at = r.started_at + std::chrono::seconds(1);
  CHECK(listed(r, std::nullopt) == fresh(r, std::nullopt));
  CHECK_FALSE(r.status_text.holds_text());
  CHECK(listed(r, std::nullopt) == fresh(r, std::nullopt));
  CHECK_FALSE(r.status_text.holds_text());
}

TEST_CASE("the text kept while a process ran goes once it is done, without another status") {
  testing::supervision_rig rig;
  supervisor& s = rig.s;
  dispatcher d;
  register_process_ops(d, s, rig.timers);
  process_spec spec;
  spec.argv = {"/bin/daemonish"};
  auto started = s.start("web-1", spec);
  REQUIRE(started.ok());
  std::vector<json> replies;
  d.dispatch(R"({"id":1,"op":"status"})", peer{1, 0, 0, 0},
             [&](const json& reply) { replies.push_back(reply); });
  REQUIRE(replies.size() == 1);
  CHECK(replies[0]["result_text"].get<std::string>().find("\"name\":\"web-1\"") !=
        std::string::npos);
  const process_record& r = **started;
  CHECK(r.status_text.holds_text());
  REQUIRE(s.on_reaped(r.pid, W_EXITCODE(0, 0)));
  CHECK(r.done());
  CHECK_FALSE(r.status_text.holds_text());
}
