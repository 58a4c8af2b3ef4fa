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

struct process_record {
  std::string name;
  process_spec spec;  // what it was started with; each restart runs it again
  pid_t pid = -1;
  unique_fd pidfd;  // valid until reaped
  // With the pid, names the process across a daemon restart (/proc/PID/stat's start time).
  std::uint64_t start_ticks = 0;
  std::string lost_reason;  // state lost: why the pid could not be verified
  bool restored = false;    // taken back from an earlier daemon's record file
  process_state state = process_state::running;

  // Decoded wait status, set when reaped.
  std::optional<int> exitcode;  // exit status, or -signal (Python's convention)
  std::optional<int> term_signal;
  bool core_dumped = false;
  bool escalated = false;  // a stop had to send SIGKILL

  std::chrono::system_clock::time_point started_at;
  std::optional<std::chrono::system_clock::time_point> ended_at;
  std::uint64_t start_order = 0;  // tells which exited record is oldest

  uid_t uid = 0;  // who it runs as: what stop, kill, remove and logs check (ownership.hpp)
  gid_t gid = 0;
  std::string user, group;  // their names when it started, or the numbers without one

  restart_tracker restarts;
  int restart_count = 0;  // restarts so far, over the record's whole life
  std::chrono::steady_clock::time_point run_started;  // of the current or last run
  std::optional<std::chrono::system_clock::time_point> next_attempt_at;  // in backoff
  timer_service::id restart_timer = 0;  // fires the next attempt in backoff
  timer_service::id kill_timer = 0;     // SIGKILL escalation while stopping
  std::chrono::steady_clock::time_point kill_deadline;

  // Its stdout and stderr: log files, the pipes of the current run (and of descendants
  // still writing to an earlier run's), followers. Carried over to a new start of the name.
  std::shared_ptr<process_output> output;
  // Set instead of `output` once the process is done having written nothing: its logs are two
  // empty files, opened again when read (supervisor::output_of) or when the name starts again,
  // so a done record that never wrote holds no output state. Their limits, for `status`.
  std::optional<log_limits> quiet_log_limits;

  // What /proc said of the current run when `status` last asked: a cache, not state (mutable,
  // so a status that only reads the table keeps it fresh). Never saved.
  mutable usage_sample usage;
  // Its text in `status` while it lives, kept for the next request: a cache too.
  mutable status_text_cache status_text;

  bool alive() const { return is_alive(state); }
  bool done() const { return is_done(state); }
};

}  // namespace shoal
