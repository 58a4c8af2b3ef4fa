// `shoal status` for people: one aligned row per process record.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/protocol.hpp"

namespace shoal::cli {

struct table_style {
  bool color = false;     // ANSI: running green; stopping, backoff yellow; failed, fatal red
  std::size_t width = 0;  // truncate COMMAND so each row fits; 0 = never truncate
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

// Columns NAME USER PID STATE EXIT UPTIME RESTARTS CPU% MEM COMMAND, a header row first, rows
// in natural order of name. UPTIME is how long a live process has run, or how long ago a dead
// one ended ("5s ago"). EXIT is "-" while alive, the number otherwise, with the signal's name
// when one killed it. PID, CPU% and MEM are "-" for a process that is not alive.
std::string render_status_table(const json& processes, const table_style& style);

// "5 running, 1 exited, 1 fatal": how many records are in each state, in the order a process
// lives through them; "no processes" for none.
std::string status_summary(const json& processes);

// Resident memory as top(1) shows it: "812K", "3.4M", "1.2G".
std::string format_memory(std::uint64_t bytes);

}  // namespace shoal::cli
