// A shoald of the benchmark's own: a fresh temp directory (socket, state dir, stderr log),
// clean environment, stopped with SIGTERM and `shoald --cleanup` so that no process, file or
// /dev/shm entry outlives the benchmark.
#pragma once

#include <sys/types.h>

#include <string>

#include "status.hpp"

namespace shoal::bench {

class private_daemon {
 public:
  // Starts `shoald` and waits (up to 10 s) until it answers `hello`.
  static result<private_daemon> start(const std::string& shoald_path);

  private_daemon(private_daemon&& other) noexcept;
  private_daemon& operator=(private_daemon&&) = delete;
  private_daemon(const private_daemon&) = delete;
  ~private_daemon();

  // SIGTERM, reap (SIGKILL after 20 s), `--cleanup`, then removes the temp directory.
  // Idempotent; the status says what could not be cleaned up.
  status stop();

  pid_t pid() const { return pid_; }
  // A baseline that reaps with waitpid(-1) may collect the daemon itself: it hands the wait
  // status over so that stop() reports how the daemon ended instead of waiting for it.
  void reaped(int wstatus);
  const std::string& socket_path() const { return socket_; }
  const std::string& dir() const { return dir_; }
  // Resident set size of the daemon (VmRSS in /proc/PID/status), in bytes.
  result<long> rss_bytes() const;

 private:
  private_daemon() = default;
  std::string shoald_;
  std::string dir_;
  std::string socket_;
  std::string state_dir_;
  std::string shm_;   // from hello: checked for removal after --cleanup
  std::string lock_;
  pid_t pid_ = -1;
  int early_wstatus_ = -1;  // set by reaped(): the daemon ended before stop()
};

// Which `shoald` to run: --shoald PATH, else the one built next to the benchmarks.
std::string default_shoald_path();

}  // namespace shoal::bench
