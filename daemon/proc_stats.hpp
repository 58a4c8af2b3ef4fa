// CPU time and memory of a live process, read from /proc for `status`. Read on request only:
// a daemon that nobody asks spends nothing on this.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>

namespace shoal {

struct proc_usage {
  double cpu_seconds = 0;       // user + system time of the process itself (utime + stime)
  std::uint64_t rss_bytes = 0;  // resident set size
  // When the process started, on the clock CLOCK_BOOTTIME counts (for the CPU share).
  double started_after_boot_seconds = 0;
};

// Nothing when the process has gone or /proc cannot be read.
std::optional<proc_usage> read_proc_usage(pid_t pid);

// Field 22 of /proc/PID/stat: when the process started, in clock ticks after boot. With the
// pid, it names one process for the machine's uptime: a reused pid has a later start time.
std::optional<std::uint64_t> read_start_ticks(pid_t pid);

// CPU time over the time since the process started, as ps(1)'s %CPU: 100 is one core busy
// for its whole life. 0 for a process younger than a clock tick.
double cpu_percent(const proc_usage& usage);

}  // namespace shoal
