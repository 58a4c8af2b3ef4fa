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

// Members are ordered largest first, so that no padding sits between them: a daemon keeps up to
// max_exited_records of these after their processes ended. Whatever only a live process needs
// and is large (the restart history, the /proc sample) is held out of line and let go when the
// record is done (supervisor::finish).
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
  std::chrono::steady_clock::time_point run_started;  // of the current or last run
  timer_service::id restart_timer = 0;                // fires the next attempt in backoff
  timer_service::id kill_timer = 0;                   // SIGKILL escalation while stopping
  std::chrono::steady_clock::time_point kill_deadline;

  // What /proc said of the current run when `status` last asked (sampled_usage allocates it):
  // a cache, not state (mutable, so a status that only reads the table keeps it fresh). Never
  // saved; let go when the record is done.
  mutable std::unique_ptr<usage_sample> usage;
  // Its text in `status` while it lives, kept for the next request: a cache too.
  mutable status_text_cache status_text;

  // Decoded wait status, set when reaped.
  std::optional<int> exitcode;  // exit status, or -signal (Python's convention)
  std::optional<int> term_signal;

  pid_t pid = -1;
  unique_fd pidfd;  // valid until reaped
  uid_t uid = 0;    // who it runs as: what stop, kill, remove and logs check (ownership.hpp)
  gid_t gid = 0;
  int restart_count = 0;  // restarts so far, over the record's whole life
  process_state state = process_state::running;
  bool restored = false;  // taken back from an earlier daemon's record file
  bool core_dumped = false;
  bool escalated = false;  // a stop had to send SIGKILL

  bool alive() const { return is_alive(state); }
  bool done() const { return is_done(state); }
};

}  // namespace shoal
