// CPU time and memory of a live process, read from /proc for `status`. Read on request only:
// a daemon that nobody asks spends nothing on this.
//
// Reading /proc/PID/stat costs an open, a read and a close per process (the kernel formats 52
// fields and sums the CPU time of every thread): most of what `status` of many live processes
// costs. So a sample is kept with its process and reused for `usage_sample_window`: a client
// polling `status` in a loop reads /proc once a window per process, not once per request.
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
  // When it was read, on the same clock: the CPU share is the one at that instant.
  double sampled_after_boot_seconds = 0;
};

// How long a sample stands. CPU time moves in clock ticks (10 ms) and the table's UPTIME in
// seconds; a share over the process's life shifts little within a second.
inline constexpr std::chrono::milliseconds usage_sample_window{1000};

// The last sample of one process, kept with its record.
struct usage_sample {
  pid_t pid = -1;  // whose: a new run of the record has another pid, and reads again
  std::chrono::steady_clock::time_point taken;
  std::optional<proc_usage> usage;
};

// The usage of `pid` as of at most usage_sample_window ago: `sample` when it is that recent
// and of that pid, else read now into `sample`.
std::optional<proc_usage> sampled_usage(usage_sample& sample, pid_t pid,
                                        std::chrono::steady_clock::time_point now);

// Nothing when the process has gone or /proc cannot be read.
std::optional<proc_usage> read_proc_usage(pid_t pid);

// Field 22 of /proc/PID/stat: when the process started, in clock ticks after boot. With the
// pid, it names one process for the machine's uptime: a reused pid has a later start time.
std::optional<std::uint64_t> read_start_ticks(pid_t pid);

// Field 3 of /proc/PID/stat, the state ('Z' for a zombie), and field 4, the parent's pid.
struct proc_parentage {
  char state = 0;
  pid_t ppid = 0;
};
std::optional<proc_parentage> read_proc_parentage(pid_t pid);

// CPU time over the time from the process's start to the sample, as ps(1)'s %CPU: 100 is one
// core busy for its whole life. 0 for a process younger than a clock tick.
double cpu_percent(const proc_usage& usage);

}  // namespace shoal
