// One supervised process, as the table keeps it. Its states are process_lifecycle.hpp's; the
// protocol's view of it is process_json.hpp's.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/unique_fd.hpp"
#include "daemon/proc_stats.hpp"
#include "daemon/process_lifecycle.hpp"
#include "daemon/process_output.hpp"
#include "daemon/process_spec.hpp"
#include "daemon/restart_policy.hpp"
#include "daemon/status_text_cache.hpp"
#include "daemon/timers.hpp"

namespace shoal {

// What only a process that runs, stops or waits to restart needs: held out of line by its
// record and let go once the record is done (supervisor::finish), so that the up to
// max_exited_records done records do not carry it.
struct process_run {
  unique_fd pidfd;                                // valid until reaped
  std::chrono::steady_clock::time_point started;  // of the current or last run
  timer_service::id restart_timer = 0;            // fires the next attempt in backoff
  timer_service::id kill_timer = 0;               // SIGKILL escalation while stopping
  std::chrono::steady_clock::time_point kill_deadline;
  // What /proc said of the current run when `status` last asked: a cache, not state. Never
  // saved.
  usage_sample usage;
};

// Members are ordered largest first, so that no padding sits between them: a daemon keeps up to
// max_exited_records of these after their processes ended.
struct process_record {
  std::string name;
  process_spec spec;        // what it was started with; each restart runs it again
  std::string lost_reason;  // state lost: why the pid could not be verified
  std::string user, group;  // their names when it started, or the numbers without one

  // Its stdout and stderr: log files, the pipes of the current run (and of descendants
  // still writing to an earlier run's), followers. Carried over to a new start of the name.
  std::shared_ptr<process_output> output;
  // Set instead of `output` once the process is done having written nothing: its logs are two
  // empty files, opened again when read (supervisor::output_of) or when the name starts again,
  // so a done record that never wrote holds no output state. Their limits, for `status`.
  std::optional<log_limits> quiet_log_limits;

  restart_tracker restarts;
  std::optional<std::chrono::system_clock::time_point> next_attempt_at;  // in backoff
  std::chrono::system_clock::time_point started_at;
  std::optional<std::chrono::system_clock::time_point> ended_at;
  std::uint64_t start_order = 0;  // tells which exited record is oldest
  // With the pid, names the process across a daemon restart (/proc/PID/stat's start time).
  std::uint64_t start_ticks = 0;
  // Its text in `status` while it lives, kept for the next request: a cache too.
  mutable status_text_cache status_text;

  // Decoded wait status, set when reaped.
  std::optional<int> exitcode;  // exit status, or -signal (Python's convention)
  std::optional<int> term_signal;

  pid_t pid = -1;
  uid_t uid = 0;  // who it runs as: what stop, kill, remove and logs check (ownership.hpp)
  gid_t gid = 0;
  int restart_count = 0;  // restarts so far, over the record's whole life
  process_state state = process_state::running;
  bool restored = false;  // taken back from an earlier daemon's record file
  bool core_dumped = false;
  bool escalated = false;  // a stop had to send SIGKILL

  bool alive() const { return is_alive(state); }
  bool done() const { return is_done(state); }

  // The current run's part, made when first needed.
  process_run& run() {
    if (!run_) run_ = std::make_unique<process_run>();
    return *run_;
  }
  // Null before anything needed it, and once the record is done and let it go (end_run).
  const process_run* run_if_any() const { return run_.get(); }
  void end_run() { run_.reset(); }
  // The run's usage sample, for `status`: a cache, so a status that only reads the table
  // (a const record) may still refresh it.
  usage_sample& usage_cache() const {
    if (!run_) run_ = std::make_unique<process_run>();
    return run_->usage;
  }

 private:
  mutable std::unique_ptr<process_run> run_;
};

}  // namespace shoal
