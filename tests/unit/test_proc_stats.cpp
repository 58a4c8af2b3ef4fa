// `status` reuses a process's /proc sample within a window: never a stale one past it, never
// another process's. The daemon's scan for its orphans reads the same lines.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "daemon/orphans.hpp"
#include "daemon/proc_stats.hpp"

using namespace shoal;

TEST_CASE("a live process's usage is read from /proc") {
  auto u = read_proc_usage(::getpid());
  REQUIRE(u);
  CHECK(u->rss_bytes > 0);
  CHECK(u->cpu_seconds >= 0);
  CHECK(u->sampled_after_boot_seconds >= u->started_after_boot_seconds);
  CHECK_FALSE(read_proc_usage(-1));
}

TEST_CASE("a sample stands for its window, then is read again") {
  usage_sample sample;
  auto t0 = std::chrono::steady_clock::now();
  auto first = sampled_usage(sample, ::getpid(), t0);
  REQUIRE(first);
  // Marked, so a reuse shows: /proc never reports this.
  sample.usage->rss_bytes = 1;
  CHECK(sampled_usage(sample, ::getpid(), t0 + usage_sample_window / 2)->rss_bytes == 1);
  CHECK(sampled_usage(sample, ::getpid(), t0 + usage_sample_window)->rss_bytes > 1);
}

TEST_CASE("a sample of another pid is never reused") {
  usage_sample sample;
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(sampled_usage(sample, ::getpid(), t0));
  sample.usage->rss_bytes = 1;
  CHECK(sampled_usage(sample, ::getppid(), t0)->rss_bytes > 1);
  CHECK(sample.pid == ::getppid());
}

TEST_CASE("the CPU share is the one at the sample's instant") {
  proc_usage u;
  u.cpu_seconds = 1.5;
  u.started_after_boot_seconds = 100;
  u.sampled_after_boot_seconds = 103;
  CHECK(cpu_percent(u) == doctest::Approx(50.0));
  u.sampled_after_boot_seconds = 100.005;  // younger than a clock tick
  CHECK(cpu_percent(u) == 0);
}

TEST_CASE("a process's parent and state, and the living children of a process") {
  auto self = read_proc_parentage(::getpid());
  REQUIRE(self);
  CHECK(self->ppid == ::getppid());
  CHECK(self->state == 'R');
  CHECK_FALSE(read_proc_parentage(-1));

  // One child that waits on a pipe, one that has ended and is not reaped yet: only the first
  // is living; the zombie still names us as its parent.
  int hold[2];
  REQUIRE(::pipe(hold) == 0);
  pid_t waiting = ::fork();
  REQUIRE(waiting >= 0);
  if (waiting == 0) {
    char c;
    ::close(hold[1]);
    (void)::read(hold[0], &c, 1);
    ::_exit(0);
  }
  ::close(hold[0]);
  pid_t ended = ::fork();
  REQUIRE(ended >= 0);
  if (ended == 0) ::_exit(0);
  siginfo_t info{};
  REQUIRE(::waitid(P_PID, static_cast<id_t>(ended), &info, WEXITED | WNOWAIT) == 0);

  auto zombie = read_proc_parentage(ended);
  REQUIRE(zombie);
  CHECK(zombie->state == 'Z');
  CHECK(zombie->ppid == ::getpid());
  auto living = living_children_of_self();
  CHECK(std::count(living.begin(), living.end(), waiting) == 1);
  CHECK(std::count(living.begin(), living.end(), ended) == 0);

  ::close(hold[1]);
  int st = 0;
  CHECK(::waitpid(waiting, &st, 0) == waiting);
  CHECK(::waitpid(ended, &st, 0) == ended);
  living = living_children_of_self();
  CHECK(std::count(living.begin(), living.end(), waiting) == 0);
}
