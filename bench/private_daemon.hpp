// A shoald of the benchmark's own: a fresh temp directory (socket, state dir, stderr log),
// clean environment, stopped with SIGTERM and `shoald --cleanup` so that no process, file or
// /dev/shm entry outlives the benchmark.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/status.hpp"

namespace shoal::bench {

class private_daemon {
 public:
  // Starts `shoald` (with `extra_args` after the benchmark's own) and waits (up to 10 s) until
  // it answers `hello`.
  static result<private_daemon> start(const std::string& shoald_path,
                                      const std::vector<std::string>& extra_args = {});

  private_daemon(private_daemon&&) noexcept = default;
  private_daemon& operator=(private_daemon&&) = delete;
  private_daemon(const private_daemon&) = delete;
  ~private_daemon();

  // SIGTERM, reap (SIGKILL after `patience`), `--cleanup`, then removes the temp directory.
  // Idempotent; the status says what could not be cleaned up.
  status stop(std::chrono::seconds patience = std::chrono::seconds(20));
  // Stops every daemon still running, from any thread: what a benchmark that is told to
  // quit (SIGINT, SIGTERM, SIGHUP) does before it exits.
  static void stop_all();

  pid_t pid() const;
  // A baseline that reaps with waitpid(-1) may collect the daemon itself: it hands the wait
  // status over so that stop() reports how the daemon ended instead of waiting for it.
  void reaped(int wstatus);
  const std::string& socket_path() const;
  const std::string& dir() const;
  // Resident set size of the daemon (VmRSS in /proc/PID/status), in bytes.
  result<long> rss_bytes() const;
  // Proportional set size (Pss in /proc/PID/smaps_rollup), in bytes: pages shared with other
  // processes, such as libc's, count divided among them.
  result<long> pss_bytes() const;

  struct instance;

 private:
  explicit private_daemon(std::unique_ptr<instance> self);
  // Owned here and listed in a registry (for stop_all) until stopped; a heap object so that
  // moving the handle does not move what the registry points to.
  std::unique_ptr<instance> self_;
};

// Which `shoald` to run: --shoald PATH, else the one built next to the benchmarks.
std::string default_shoald_path();

}  // namespace shoal::bench
