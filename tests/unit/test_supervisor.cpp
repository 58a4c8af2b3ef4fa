#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "daemon/supervisor.hpp"

using namespace shoal;

namespace {

struct failing_spawner final : spawner {
  result<spawned_child> spawn(const spawn_request&) override {
    return status{errc::spawn_failed, "/nope: No such file or directory"};
  }
};

struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/shoal-unit-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
};

// Reaps until `name` has exited, bounded by a deadline.
bool wait_exited(supervisor& s, const std::string& name) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    s.reap();
    const process_record* r = s.find(name);
    if (r && !r->alive()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

start_params params(std::string name, std::vector<std::string> argv) {
  start_params p;
  p.name = std::move(name);
  p.argv = std::move(argv);
  return p;
}

}  // namespace

TEST_CASE("a spawn failure leaves no record and keeps the old one") {
  temp_dir dir;
  asio::io_context io;
  failing_spawner sp;
  supervisor s(io, sp, {dir.path, "/tmp/x.sock", 1, 10});
  auto r = s.start(params("bear", {"/nope"}));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == errc::spawn_failed);
  CHECK(r.error().message() == "unable to spawn 'bear': /nope: No such file or directory");
  CHECK(s.find("bear") == nullptr);
}

TEST_CASE("exit statuses and signals decode like Python's exitcode") {
  temp_dir dir;
  asio::io_context io;
  posix_spawner sp;
  supervisor s(io, sp, {dir.path, "/tmp/x.sock", 1, 10});
  REQUIRE(s.start(params("three", {"/bin/sh", "-c", "exit 3"})).ok());
  REQUIRE(s.start(params("killed", {"/bin/sh", "-c", "kill -9 $$"})).ok());
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
  temp_dir dir;
  asio::io_context io;
  posix_spawner sp;
  supervisor s(io, sp, {dir.path, "/tmp/x.sock", 1, 10});
  auto first = s.start(start_params{std::nullopt, {"/bin/sleep", "5"}, "", {}});
  REQUIRE(first.ok());
  CHECK((*first)["name"] == "Process-1");
  auto again = s.start(params("Process-1", {"/bin/true"}));
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code() == errc::already_exists);
  auto k = s.kill("Process-1", 9, false);
  REQUIRE(k.ok());
  REQUIRE(wait_exited(s, "Process-1"));
  auto replaced = s.start(params("Process-1", {"/bin/true"}));
  REQUIRE(replaced.ok());
  CHECK((*replaced)["pid"] != (*first)["pid"]);
  REQUIRE(wait_exited(s, "Process-1"));
  auto second = s.start(start_params{std::nullopt, {"/bin/true"}, "", {}});
  REQUIRE(second.ok());
  CHECK((*second)["name"] == "Process-2");
  REQUIRE(wait_exited(s, "Process-2"));
}

TEST_CASE("exited records are bounded, oldest first") {
  temp_dir dir;
  asio::io_context io;
  posix_spawner sp;
  supervisor s(io, sp, {dir.path, "/tmp/x.sock", 1, 2});
  for (const char* n : {"a", "b", "c"}) {
    REQUIRE(s.start(params(n, {"/bin/true"})).ok());
    REQUIRE(wait_exited(s, n));
  }
  CHECK(s.find("a") == nullptr);
  CHECK(s.find("b") != nullptr);
  CHECK(s.find("c") != nullptr);
  CHECK(s.remove("c").ok());
  CHECK(s.remove("c").code() == errc::not_found);
}

TEST_CASE("a shutdown keeps only the newest exited records and their logs") {
  temp_dir dir;
  asio::io_context io;
  posix_spawner sp;
  supervisor s(io, sp, {dir.path, "/tmp/x.sock", 5, 2});
  for (const char* n : {"a", "b", "c", "d"}) REQUIRE(s.start(params(n, {"/bin/sleep", "5"})).ok());
  for (const char* n : {"a", "b", "c", "d"})
    REQUIRE(std::filesystem::exists(dir.path + "/" + n + ".out"));
  bool done = false;
  s.shutdown([&] { done = true; });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done && std::chrono::steady_clock::now() < deadline) {
    s.reap();
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
  temp_dir dir;
  asio::io_context io;
  posix_spawner sp;
  supervisor s(io, sp, {dir.path, "/tmp/x.sock", 1, 10});
  REQUIRE(s.start(params("s", {"/bin/sleep", "5"})).ok());
  CHECK(s.remove("s").code() == errc::invalid_state);
  REQUIRE(s.kill("s", 15, false).ok());
  REQUIRE(wait_exited(s, "s"));
  CHECK(s.find("s")->exitcode == -15);
  CHECK(s.kill("s", 15, false).error().code() == errc::invalid_state);
}
