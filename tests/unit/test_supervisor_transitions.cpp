// The supervisor's state machine driven without processes or waiting: a fake host records the
// spawns and signals, exits are handed to on_reaped(), and time moves by advance().
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "daemon/process_ops.hpp"
#include "daemon/supervisor.hpp"
#include "unit/supervision_rig.hpp"

using namespace shoal;
using namespace shoal::testing;
using kind = supervisor_event::kind;

namespace {

int exited_with(int code) { return W_EXITCODE(code, 0); }
int killed_by(int signo) { return W_EXITCODE(0, signo); }

struct rig : supervision_rig {
  std::vector<std::pair<kind, std::string>> told;  // every event, with the state it left

  rig() {
    s.subscribe([this](const supervisor_event& e) {
      told.emplace_back(e.what, std::string(to_string(e.record.state)));
    });
  }

  pid_t start(const std::string& name, restart_settings restart = {}) {
    process_spec spec;
    spec.argv = {"/bin/daemonish"};
    spec.restart = restart;
    auto started = s.start(name, spec);
    REQUIRE(started.ok());
    return (*started)->pid;
  }
  const process_record& record(const std::string& name) {
    const process_record* r = s.find(name);
    REQUIRE(r != nullptr);
    return *r;
  }
  std::vector<kind> kinds() const {
    std::vector<kind> out;
    for (const auto& [k, state] : told) out.push_back(k);
    return out;
  }
};

const restart_settings on_failure{restart_mode::on_failure, 2, 300};

}  // namespace

TEST_CASE("a process that exits on its own, with no restart, is done") {
  rig t;
  pid_t pid = t.start("a");
  CHECK(t.record("a").state == process_state::running);
  CHECK(t.s.running_count() == 1);
  REQUIRE(t.s.on_reaped(pid, exited_with(3)));
  CHECK(t.record("a").state == process_state::exited);
  CHECK(t.record("a").exitcode == 3);
  CHECK(t.kinds() == std::vector<kind>{kind::started, kind::exited, kind::finished});
  CHECK(t.s.running_count() == 0);
  CHECK_FALSE(t.s.on_reaped(pid, exited_with(3)));  // reaped once only; now an unknown pid
}

TEST_CASE("a failed run backs off, then runs again under the same name") {
  rig t;
  pid_t first = t.start("a", on_failure);
  REQUIRE(t.s.on_reaped(first, exited_with(1)));
  CHECK(t.record("a").state == process_state::backoff);
  CHECK(t.kinds() == std::vector<kind>{kind::started, kind::exited, kind::restarting});
  CHECK(t.record("a").next_attempt_at.has_value());
  CHECK(t.host.spawned.size() == 1);

  t.timers.advance(std::chrono::milliseconds(850));  // the first delay is 0.9 to 1 s
  CHECK(t.record("a").state == process_state::backoff);
  CHECK(t.host.spawned.size() == 1);
  t.timers.advance(std::chrono::milliseconds(200));
  CHECK(t.record("a").state == process_state::running);
  CHECK(t.host.spawned.size() == 2);
  CHECK(t.record("a").pid != first);
  CHECK(t.record("a").restart_count == 1);
  CHECK_FALSE(t.record("a").exitcode);
  CHECK_FALSE(t.record("a").next_attempt_at);
  CHECK(t.told.back().first == kind::respawned);
}

TEST_CASE("a clean exit under on-failure is final, under always it restarts") {
  rig t;
  pid_t pid = t.start("clean", on_failure);
  REQUIRE(t.s.on_reaped(pid, exited_with(0)));
  CHECK(t.record("clean").state == process_state::exited);
  pid = t.start("again", {restart_mode::always, 5, 300});
  REQUIRE(t.s.on_reaped(pid, exited_with(0)));
  CHECK(t.record("again").state == process_state::backoff);
}

TEST_CASE("more restarts than the limit within the window: fatal, and done") {
  rig t;
  pid_t pid = t.start("a", on_failure);  // at most 2 restarts
  for (int run = 0; run < 2; ++run) {
    REQUIRE(t.s.on_reaped(pid, killed_by(SIGSEGV)));
    REQUIRE(t.record("a").state == process_state::backoff);
    t.timers.advance(std::chrono::seconds(10));
    REQUIRE(t.record("a").state == process_state::running);
    pid = t.record("a").pid;
  }
  REQUIRE(t.s.on_reaped(pid, killed_by(SIGSEGV)));
  CHECK(t.record("a").state == process_state::fatal);
  CHECK(t.record("a").exitcode == -SIGSEGV);
  CHECK(t.record("a").restart_count == 2);
  auto k = t.kinds();
  REQUIRE(k.size() >= 2);
  CHECK(k[k.size() - 2] == kind::fatal);
  CHECK(k.back() == kind::finished);
  t.timers.advance(std::chrono::seconds(600));
  CHECK(t.host.spawned.size() == 3);  // nothing more
}

TEST_CASE("a respawn that cannot spawn counts as a failed run") {
  rig t;
  pid_t pid = t.start("a", on_failure);
  REQUIRE(t.s.on_reaped(pid, exited_with(1)));
  t.host.fail_spawns = true;
  t.timers.advance(std::chrono::seconds(1));
  CHECK(t.record("a").state == process_state::backoff);  // the second restart is due
  CHECK(t.record("a").restarts.attempt() == 2);
  t.timers.advance(std::chrono::seconds(2));
  CHECK(t.record("a").state == process_state::fatal);  // and the third is one too many
  CHECK(t.told.back().first == kind::finished);
}

TEST_CASE(
    "stop: the stop signal and SIGCONT, SIGKILL after the grace period, stragglers at reaping") {
  rig t;
  pid_t pid = t.start("a", on_failure);
  REQUIRE(t.s.stop("a", 5.0).ok());
  CHECK(t.record("a").state == process_state::stopping);
  CHECK(t.host.group_signals(pid) == std::vector<int>{SIGTERM, SIGCONT});
  t.timers.advance(std::chrono::milliseconds(4900));
  CHECK(t.host.group_signals(pid) == std::vector<int>{SIGTERM, SIGCONT});
  CHECK_FALSE(t.record("a").escalated);

  // A second stop with a longer grace does not postpone the escalation already set.
  REQUIRE(t.s.stop("a", 60.0).ok());
  t.timers.advance(std::chrono::milliseconds(200));
  CHECK(t.host.group_signals(pid) == std::vector<int>{SIGTERM, SIGCONT, SIGKILL});
  CHECK(t.record("a").escalated);

  t.s.before_reap(pid);  // the leader is a zombie: its group is killed once more
  CHECK(t.host.group_signals(pid) == std::vector<int>{SIGTERM, SIGCONT, SIGKILL, SIGKILL});
  REQUIRE(t.s.on_reaped(pid, killed_by(SIGKILL)));
  CHECK(t.record("a").state == process_state::exited);  // a stopped run never restarts
  CHECK(t.record("a").exitcode == -SIGKILL);
  CHECK(t.kinds() == std::vector<kind>{kind::started, kind::stopped, kind::finished});
  CHECK(t.timers.pending() == 0);
}

TEST_CASE("stop: a process that ends within the grace period is not killed") {
  rig t;
  pid_t pid = t.start("a");
  REQUIRE(t.s.stop("a", 5.0).ok());
  REQUIRE(t.s.on_reaped(pid, killed_by(SIGTERM)));
  t.timers.advance(std::chrono::seconds(10));
  CHECK(t.host.group_signals(pid) == std::vector<int>{SIGTERM, SIGCONT});
  CHECK_FALSE(t.record("a").escalated);
  CHECK(t.record("a").exitcode == -SIGTERM);
}

TEST_CASE("stop in backoff cancels the restart and finishes at once") {
  rig t;
  pid_t pid = t.start("a", on_failure);
  REQUIRE(t.s.on_reaped(pid, exited_with(1)));
  REQUIRE(t.s.stop("a", std::nullopt).ok());
  CHECK(t.record("a").state == process_state::exited);
  CHECK(t.kinds() == std::vector<kind>{kind::started, kind::exited, kind::restarting,
                                       kind::restart_cancelled, kind::finished});
  t.timers.advance(std::chrono::seconds(120));
  CHECK(t.host.spawned.size() == 1);
  CHECK(t.s.stop("missing", std::nullopt).error().code() == errc::not_found);
}

TEST_CASE("a program's own stop signal and stop timeout") {
  rig t;
  process_spec spec;
  spec.argv = {"/bin/web"};
  spec.stop_signal = SIGINT;
  spec.stop_timeout = 2;
  auto started = t.s.start("web", spec);
  REQUIRE(started.ok());
  pid_t pid = (*started)->pid;
  REQUIRE(t.s.stop("web", std::nullopt).ok());
  t.timers.advance(std::chrono::milliseconds(1900));
  CHECK(t.host.group_signals(pid) == std::vector<int>{SIGINT, SIGCONT});
  t.timers.advance(std::chrono::milliseconds(200));
  CHECK(t.host.group_signals(pid) == std::vector<int>{SIGINT, SIGCONT, SIGKILL});
}

TEST_CASE("shutdown stops everything, cancels restarts, and kills adopted orphans last") {
  rig t;
  pid_t a = t.start("a");
  pid_t b = t.start("b", on_failure);
  REQUIRE(t.s.on_reaped(b, exited_with(1)));  // b waits to restart
  t.host.orphans = {77};
  bool done = false;
  t.s.shutdown([&] { done = true; });
  CHECK(t.record("a").state == process_state::stopping);
  CHECK(t.record("b").state == process_state::exited);
  CHECK(t.host.orphan_signals == std::vector<std::pair<pid_t, int>>{{77, SIGTERM}, {77, SIGCONT}});
  CHECK(t.s.start("c", command({"/bin/true"})).error().what == start_error::kind::shutting_down);
  t.timers.run_posted();
  CHECK_FALSE(done);
  REQUIRE(t.s.on_reaped(a, killed_by(SIGTERM)));
  CHECK(t.record("a").state == process_state::exited);
  CHECK(t.host.orphan_signals.back() == std::pair<pid_t, int>{77, SIGKILL});
  t.timers.run_posted();
  CHECK(done);
  t.timers.advance(std::chrono::seconds(120));
  CHECK(t.host.spawned.size() == 2);  // b never came back
}

TEST_CASE("a second shutdown kills what is left at once") {
  rig t;
  pid_t a = t.start("a");
  t.s.shutdown(nullptr);
  t.s.shutdown(nullptr);
  CHECK(t.host.group_signals(a) == std::vector<int>{SIGTERM, SIGCONT, SIGKILL});
  CHECK(t.record("a").escalated);
}

TEST_CASE("kill signals only what is alive") {
  rig t;
  pid_t pid = t.start("a");
  REQUIRE(t.s.kill("a", SIGUSR1, true).ok());
  CHECK(t.host.group_signals(pid) == std::vector<int>{SIGUSR1});
  REQUIRE(t.s.on_reaped(pid, exited_with(0)));
  CHECK(t.s.kill("a", SIGUSR1, false).error().code() == errc::invalid_state);
  CHECK(t.s.kill("b", SIGUSR1, false).error().code() == errc::not_found);
}

TEST_CASE("argv is checked once, with one wording, for every caller") {
  rig t;
  for (std::vector<std::string> argv :
       {std::vector<std::string>{}, {""}, {"a", std::string("b\0c", 3)}}) {
    auto refused = t.s.start("x", command(argv));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().what == start_error::kind::bad_argv);
    CHECK(start_refusal(refused.error()).message() == check_argv({}).message());
  }
  CHECK(t.host.spawned.empty());
  CHECK(t.s.find("x") == nullptr);
}

TEST_CASE("a refused start says why as a value, and the ops say it in the protocol's words") {
  rig t;
  pid_t pid = t.start("a", on_failure);
  REQUIRE(t.s.on_reaped(pid, exited_with(1)));  // a waits to restart
  auto waiting = t.s.start("a", command({"/bin/true"}));
  REQUIRE_FALSE(waiting.ok());
  CHECK(waiting.error().what == start_error::kind::waiting_to_restart);
  CHECK(start_refusal(waiting.error()).code() == errc::already_exists);
  CHECK(start_refusal(waiting.error()).message() ==
        "a process named 'a' is waiting to restart; stop it first");

  process_spec env = command({"/bin/true"});
  env.env = {{"OK", "1"}, {"A=B", "x"}};
  auto bad_env = t.s.start("e", env);
  REQUIRE_FALSE(bad_env.ok());
  CHECK(bad_env.error().what == start_error::kind::bad_env);
  CHECK(bad_env.error().detail == "A=B");
  CHECK(start_refusal(bad_env.error()).message() ==
        "field 'env' has an invalid variable name 'A=B' (empty, or has '=' or NUL)");

  process_spec cwd = command({"/bin/true"});
  cwd.cwd = std::string("/tmp\0x", 6);
  auto bad_cwd = t.s.start("c", cwd);
  REQUIRE_FALSE(bad_cwd.ok());
  CHECK(bad_cwd.error().what == start_error::kind::bad_cwd);
  CHECK(start_refusal(bad_cwd.error()).code() == errc::bad_request);
  CHECK(t.s.find("e") == nullptr);
  CHECK(t.s.find("c") == nullptr);
}

TEST_CASE("a declared name with no argv starts its declaration") {
  rig t;
  process_spec declared;
  declared.argv = {"/srv/web"};
  declared.program = "web";
  t.s.declare("web", declared);
  auto started = t.s.start("web", {});
  REQUIRE(started.ok());
  CHECK((*started)->spec.argv == std::vector<std::string>{"/srv/web"});
  CHECK((*started)->spec.program == "web");
  REQUIRE(t.host.spawned.size() == 1);
  CHECK(t.host.spawned[0].argv == std::vector<std::string>{"/srv/web"});
  t.s.undeclare("web");
  CHECK(t.s.declared("web") == nullptr);
}

TEST_CASE("remove tells before it forgets, and only a done record") {
  rig t;
  pid_t pid = t.start("a");
  CHECK(t.s.remove("a").code() == errc::invalid_state);
  REQUIRE(t.s.on_reaped(pid, exited_with(0)));
  REQUIRE(t.s.remove("a").ok());
  CHECK(t.told.back().first == kind::removed);
  CHECK(t.s.find("a") == nullptr);
  CHECK(t.s.remove("a").code() == errc::not_found);
}

TEST_CASE("a done record lets its run and restart history go, and keeps what status shows") {
  rig t;
  int recent_when_fatal = -1;
  t.s.subscribe([&](const supervisor_event& e) {
    if (e.what == kind::fatal) recent_when_fatal = e.record.restarts.recent_restarts();
  });
  pid_t pid = t.start("a", on_failure);
  REQUIRE(sampled_usage(t.record("a").usage_cache(), ::getpid(), std::chrono::steady_clock::now()));
  REQUIRE(t.record("a").run_if_any() != nullptr);
  CHECK(t.record("a").run_if_any()->usage.pid == ::getpid());
  std::string text;
  t.record("a").status_text.append(text, t.record("a"), std::nullopt);
  REQUIRE(t.record("a").status_text.holds_text());
  for (int run = 0; run < 2; ++run) {
    REQUIRE(t.s.on_reaped(pid, exited_with(1)));
    t.timers.advance(std::chrono::seconds(10));
    REQUIRE(t.record("a").state == process_state::running);
    pid = t.record("a").pid;
  }
  REQUIRE(t.s.on_reaped(pid, exited_with(1)));
  REQUIRE(t.record("a").state == process_state::fatal);
  CHECK(recent_when_fatal == 2);  // the fatal event still saw the history
  CHECK(t.record("a").restarts.recent_restarts() == 0);
  CHECK(t.record("a").restarts.attempt() == 2);
  CHECK(t.record("a").restarts.settings() == on_failure);
  CHECK(t.record("a").restart_count == 2);
  CHECK(t.record("a").run_if_any() == nullptr);
  CHECK_FALSE(t.record("a").status_text.holds_text());
  // Started again, the name has a run of its own.
  auto again = t.s.start_again("a", t.record("a").spec);
  REQUIRE(again.ok());
  CHECK(t.record("a").state == process_state::running);
  CHECK(t.record("a").run_if_any() != nullptr);
  CHECK(t.record("a").restart_count == 3);
}

TEST_CASE("a restored done record keeps what one that ended under this daemon keeps") {
  rig t;
  // talker's earlier daemon logged a line; quiet's wrote nothing.
  std::ofstream(t.dir.path + "/talker.out") << "said\n";
  saved_table table;
  for (const char* name : {"quiet", "talker"}) {
    saved_process p;
    p.name = name;
    p.spec.argv = {"/bin/true"};
    p.pid = 4242;
    p.state = process_state::exited;
    p.exitcode = 0;
    p.started_at = std::chrono::system_clock::now();
    p.ended_at = p.started_at;
    p.start_order = table.processes.size() + 1;
    table.processes.push_back(p);
  }
  t.s.restore(std::move(table), {}, false, [](pid_t) {});

  const process_record& quiet = t.record("quiet");
  CHECK(quiet.state == process_state::exited);
  CHECK(quiet.output == nullptr);
  CHECK(quiet.quiet_log_limits.has_value());
  CHECK(quiet.run_if_any() == nullptr);
  auto quiet_logs = t.s.output_of(quiet);
  REQUIRE(quiet_logs.ok());
  CHECK((*quiet_logs)->stream(output_stream::out).end() == 0);

  const process_record& talker = t.record("talker");
  REQUIRE(talker.output != nullptr);
  CHECK_FALSE(talker.quiet_log_limits.has_value());
  CHECK(talker.output->stream(output_stream::out).end() == 5);
  CHECK(talker.run_if_any() == nullptr);
}
