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

#include "dispatcher.hpp"
#include "unique_fd.hpp"

namespace shoal {

// running --stop--> stopping --reaped--> exited
// running --------------reaped--------> exited
// An exited record stays until removed, replaced by a new start, or evicted (oldest first).
enum class process_state { running, stopping, exited };

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

  std::vector<join_waiter> joiners;
  std::vector<responder> stop_waiters;
  std::unique_ptr<asio::steady_timer> kill_timer;  // SIGKILL escalation while stopping

  bool alive() const { return state != process_state::exited; }
};

json to_json(const process_record& record);

}  // namespace shoal
