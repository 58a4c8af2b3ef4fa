// `shoal status` for people: one aligned row per process record.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "common/protocol.hpp"

namespace shoal::cli {

struct table_style {
  bool color = false;  // ANSI: running green; stopping, backoff yellow; failed, fatal red
  std::size_t width = 0;   // truncate COMMAND so each row fits; 0 = never truncate
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

// Columns NAME PID STATE EXITCODE UPTIME/ENDED COMMAND, a header row first. UPTIME/ENDED is
// how long a live process has run, or how long ago an exited one ended ("5s ago"). EXITCODE
// is "-" while alive, the number otherwise, with the signal's name when one killed it.
std::string render_status_table(const json& processes, const table_style& style);

}  // namespace shoal::cli
