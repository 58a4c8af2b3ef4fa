// `status` reuses a process's /proc sample within a window: never a stale one past it, never
// another process's.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>

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
