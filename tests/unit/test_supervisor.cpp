#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "daemon/process_ops.hpp"
#include "daemon/reaper.hpp"
#include "daemon/supervisor.hpp"
#include "unit/fake_supervision.hpp"

// The supervisor with real processes: what only the kernel can say (exit statuses, signals,
// pids), and log files on disk. Its state machine alone: test_supervisor_transitions.cpp.

using namespace shoal;
using namespace shoal::testing;

namespace {

// Reaps until `name` has exited, bounded by a deadline.
bool wait_exited(supervisor& s, const std::string& name) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    reap_children(s);
    const process_record* r = s.find(name);
    if (r && !r->alive()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

struct real_rig {
  temp_dir dir;
  asio::io_context io;
  posix_host host;
  asio_timers timers{io};
  process_logs logs{io, dir.path, {}};
  supervisor s;
  explicit real_rig(double grace = 1, std::size_t max_exited = 10)
      : s(host, timers, logs, {"/tmp/x.sock", grace, max_exited}) {}
};

}  // namespace

TEST_CASE("a spawn failure leaves no record and keeps the old one") {
  temp_dir dir;
  asio::io_context io;
  fake_host host;
  host.fail_spawns = true;
  manual_timers timers;
  process_logs logs(io, dir.path, {});
  supervisor s(host, timers, logs, {"/tmp/x.sock", 1, 10});
  auto r = s.start("bear", command({"/nope"}));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().what == start_error::kind::spawn_failed);
  CHECK(r.error().name == "bear");
  const status told = start_refusal(r.error());
  CHECK(told.code() == errc::spawn_failed);
  CHECK(told.message() == "unable to spawn 'bear': /nope: No such file or directory");
  CHECK(s.find("bear") == nullptr);
}

TEST_CASE("exit statuses and signals decode like Python's exitcode") {
  real_rig rig;
  supervisor& s = rig.s;
  REQUIRE(s.start("three", command({"/bin/sh", "-c", "exit 3"})).ok());
  REQUIRE(s.start("killed", command({"/bin/sh", "-c", "kill -9 $$"})).ok());
  REQUIRE(wait_exited(s, "three"));
  REQUIRE(wait_exited(s, "killed"));
  CHECK(s.find("three")->exitcode == 3);
  CHECK_FALSE(s.find("three")->term_signal);
  CHECK(s.find("killed")->exitcode == -9);
  CHECK(s.find("killed")->term_signal == 9);
  CHECK(s.running_count() == 0);
  CHECK(s.exited_count() == 2);
}

TEST_CASE("a running name is taken; an exited one is replaced; default names count up") {
  real_rig rig;
  supervisor& s = rig.s;
  auto first = s.start(std::nullopt, command({"/bin/sleep", "5"}));
  REQUIRE(first.ok());
  CHECK((*first)->name == "Process-1");
  const pid_t first_pid = (*first)->pid;
  auto again = s.start("Process-1", command({"/bin/true"}));
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().what == start_error::kind::already_running);
  CHECK(again.error().pid == first_pid);
  CHECK(start_refusal(again.error()).code() == errc::already_exists);
  CHECK(start_refusal(again.error()).message() ==
        "a process named 'Process-1' is already running (pid " + std::to_string(first_pid) + ")");
  auto k = s.kill("Process-1", 9, false);
  REQUIRE(k.ok());
  REQUIRE(wait_exited(s, "Process-1"));
  auto replaced = s.start("Process-1", command({"/bin/true"}));
  REQUIRE(replaced.ok());
  CHECK((*replaced)->pid != first_pid);
  REQUIRE(wait_exited(s, "Process-1"));
  auto second = s.start(std::nullopt, command({"/bin/true"}));
  REQUIRE(second.ok());
  CHECK((*second)->name == "Process-2");
  REQUIRE(wait_exited(s, "Process-2"));
}

TEST_CASE("exited records are bounded, oldest first") {
  real_rig rig(1, 2);
  supervisor& s = rig.s;
  for (const char* n : {"a", "b", "c"}) {
    REQUIRE(s.start(n, command({"/bin/true"})).ok());
    REQUIRE(wait_exited(s, n));
  }
  CHECK(s.find("a") == nullptr);
  CHECK(s.find("b") != nullptr);
  CHECK(s.find("c") != nullptr);
  // Their logs go with them, also those of a process that wrote nothing.
  CHECK_FALSE(std::filesystem::exists(rig.dir.path + "/a.out"));
  CHECK_FALSE(std::filesystem::exists(rig.dir.path + "/a.err"));
  CHECK(std::filesystem::exists(rig.dir.path + "/c.out"));
  auto logs = s.output_of(*s.find("c"));
  REQUIRE(logs.ok());
  CHECK((*logs)->stream(output_stream::out).end() == 0);
  CHECK_FALSE((*logs)->reading());
  CHECK(s.remove("c").ok());
  CHECK_FALSE(std::filesystem::exists(rig.dir.path + "/c.out"));
  CHECK_FALSE(std::filesystem::exists(rig.dir.path + "/c.err"));
  CHECK(s.remove("c").code() == errc::not_found);
}

TEST_CASE("a start of a done name that cannot spawn keeps the old record and its logs") {
  real_rig rig;
  supervisor& s = rig.s;
  REQUIRE(s.start("q", command({"/bin/true"})).ok());
  REQUIRE(wait_exited(s, "q"));
  auto again = s.start("q", command({"/nonexistent/program"}));
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().what == start_error::kind::spawn_failed);
  REQUIRE(s.find("q") != nullptr);
  CHECK(s.find("q")->state == process_state::exited);
  CHECK(std::filesystem::exists(rig.dir.path + "/q.out"));
  CHECK(std::filesystem::exists(rig.dir.path + "/q.err"));
  auto logs = s.output_of(*s.find("q"));
  REQUIRE(logs.ok());
  CHECK((*logs)->stream(output_stream::err).end() == 0);
}

TEST_CASE("a shutdown keeps only the newest exited records and their logs") {
  real_rig rig(5, 2);
  supervisor& s = rig.s;
  temp_dir& dir = rig.dir;
  asio::io_context& io = rig.io;
  for (const char* n : {"a", "b", "c", "d"}) REQUIRE(s.start(n, command({"/bin/sleep", "5"})).ok());
  for (const char* n : {"a", "b", "c", "d"})
    REQUIRE(std::filesystem::exists(dir.path + "/" + n + ".out"));
  bool done = false;
  s.shutdown([&] { done = true; });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done && std::chrono::steady_clock::now() < deadline) {
    reap_children(s);
    io.poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(done);
  CHECK(s.running_count() == 0);
  CHECK(s.exited_count() == 2);
  for (const char* n : {"a", "b"}) {
    CHECK(s.find(n) == nullptr);
    CHECK_FALSE(std::filesystem::exists(dir.path + "/" + n + ".out"));
  }
  for (const char* n : {"c", "d"}) {
    CHECK(s.find(n) != nullptr);
    CHECK(std::filesystem::exists(dir.path + "/" + n + ".out"));
  }
}

TEST_CASE("remove and kill refuse in the wrong state") {
  real_rig rig;
  supervisor& s = rig.s;
  REQUIRE(s.start("s", command({"/bin/sleep", "5"})).ok());
  CHECK(s.remove("s").code() == errc::invalid_state);
  REQUIRE(s.kill("s", 15, false).ok());
  REQUIRE(wait_exited(s, "s"));
  CHECK(s.find("s")->exitcode == -15);
  CHECK(s.kill("s", 15, false).error().code() == errc::invalid_state);
}
