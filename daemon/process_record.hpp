// One supervised process, as the table keeps it and as the protocol shows it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/steady_timer.hpp>

#include "daemon/dispatcher.hpp"
#include "daemon/process_output.hpp"
#include "daemon/restart_policy.hpp"
#include "common/unique_fd.hpp"

namespace shoal {

// Each record's life. Transitions happen in supervisor::start(), begin_stop(), on_reaped()
// and respawn() (the back-off timer), nowhere else:
//
//   start ---------> running --stop--> stopping --reaped--> exited
//                    running --reaped, no restart due-----> exited
//                    running --reaped, restart due--------> backoff
//                    running --reaped, restart limit hit--> fatal
//   backoff --delay elapsed, spawned---------> running  (same record, new pid)
//   backoff --delay elapsed, spawn failed----> backoff or fatal (counts as a failed run)
//   backoff --stop (or daemon shutdown)------> exited  (the restart is cancelled)
//
// "Restart due" is the record's restart_tracker speaking (restart_policy.hpp). A run ended by
// stop never restarts. exited and fatal are final ("done"): joiners are answered then, and only
// then may the record be removed, replaced by a new start, or evicted (oldest first).
enum class process_state { running, stopping, backoff, exited, fatal };

std::string_view to_string(process_state s);

struct join_waiter {
  std::uint64_t id = 0;
  responder reply;
  std::shared_ptr<asio::steady_timer> deadline;  // null without a timeout
};

struct process_record {
  std::string name;
  pid_t pid = -1;
  unique_fd pidfd;  // valid until reaped
  process_state state = process_state::running;

  // Decoded wait status, set when reaped.
  std::optional<int> exitcode;  // exit status, or -signal (Python's convention)
  std::optional<int> term_signal;
  bool core_dumped = false;
  bool escalated = false;  // a stop had to send SIGKILL

  std::vector<std::string> argv;
  std::string cwd;
  std::chrono::system_clock::time_point started_at;
  std::optional<std::chrono::system_clock::time_point> ended_at;
  std::uint64_t start_order = 0;  // tells which exited record is oldest

  // How to run it again (argv, cwd and env above are what it was started with).
  std::vector<std::string> exec_argv;  // what is executed: argv, or argv behind setpriv
  uid_t uid = 0;  // who it runs as: what stop, kill, remove and logs check (ownership.hpp)
  gid_t gid = 0;
  std::string user, group;  // their names when it started, or the numbers without one
  std::vector<std::pair<std::string, std::string>> env;
  std::string program;  // the declared program it is an instance of; empty when ad hoc
  int stop_signal = 15;  // SIGTERM
  std::optional<double> stop_timeout;  // empty: the daemon's grace period

  restart_tracker restarts;
  int restart_count = 0;  // restarts so far, over the record's whole life
  std::chrono::steady_clock::time_point run_started;  // of the current or last run
  std::optional<std::chrono::system_clock::time_point> next_attempt_at;  // in backoff
  std::unique_ptr<asio::steady_timer> restart_timer;  // fires the next attempt in backoff

  // Its stdout and stderr: log files, the pipes of the current run (and of descendants
  // still writing to an earlier run's), followers. Carried over to a new start of the name.
  std::shared_ptr<process_output> output;

  std::vector<join_waiter> joiners;
  std::vector<responder> stop_waiters;
  std::unique_ptr<asio::steady_timer> kill_timer;  // SIGKILL escalation while stopping

  // Has a pid that is not reaped yet.
  bool alive() const { return state == process_state::running || state == process_state::stopping; }
  // Nothing more will happen to it on its own: no process, no restart pending.
  bool done() const { return state == process_state::exited || state == process_state::fatal; }
};

json to_json(const process_record& record);

}  // namespace shoal
