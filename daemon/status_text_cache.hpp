// A live record's text in `status`, kept with the record between requests. A client polling
// `status` of many processes otherwise has the daemon write the same 700 bytes per process on
// every request: most records of a live table do not change between two polls.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/log_limits.hpp"
#include "daemon/proc_stats.hpp"

namespace shoal {

struct process_record;
class process_output;

// Every member of a record that can change while it lives, as the status text shows it, and
// the usage sample it was written with. Set when the record is made, and never again, are its
// name, spec, uid, gid, user and group (a new start of a name makes a new record), and so
// they are not here: builds with assertions check the kept text against a fresh one on every
// use, so a change to one of them that this missed fails the tests that make it.
struct status_inputs {
  int state = -1;
  pid_t pid = -1;
  std::optional<int> exitcode, term_signal;
  bool core_dumped = false, escalated = false;
  std::chrono::system_clock::time_point started_at;
  std::optional<std::chrono::system_clock::time_point> ended_at, next_attempt_at;
  int restart_count = 0, attempt = 0;
  std::string lost_reason;  // empty but in a restored record: no allocation
  const process_output* output = nullptr;
  struct stream_counts {
    std::uint64_t dropped = 0, failed = 0, rotations = 0, written = 0;
    std::string error;  // empty but after a failed write
    bool operator==(const stream_counts&) const = default;
  } out, err;
  std::optional<log_limits> limits;  // of `output`, or quiet_log_limits
  bool has_usage = false;
  double cpu_seconds = 0, started_after_boot = 0, sampled_after_boot = 0;
  std::uint64_t rss_bytes = 0;

  static status_inputs of(const process_record& r, const std::optional<proc_usage>& usage);
  bool operator==(const status_inputs&) const = default;
};

class status_text_cache {
 public:
  // Appends what append_status_json(out, r, usage) appends: the kept text when `r` and `usage`
  // are as they were when it was written, else a fresh one, kept for the next time. A done
  // record changes no more, but is not kept: a table holds up to thousands of them, and they
  // are asked for rarely.
  void append(std::string& out, const process_record& r, const std::optional<proc_usage>& usage);

  bool holds_text() const { return kept_ != nullptr; }

 private:
  struct kept {
    status_inputs inputs;
    std::string text;
  };
  std::unique_ptr<kept> kept_;  // only while the record lives and `status` asks for it
};

}  // namespace shoal
