// Drives `start` + `join` of a program over one connection with up to `inflight` processes
// at a time: each slot sends `start`, then `join` as soon as the start is answered, then
// starts its next process. With inflight 1 this is the plain sequential round trip.
#pragma once

#include <string>

#include "bench/samples.hpp"
#include "client/connection.hpp"
#include "common/status.hpp"

namespace shoal::bench {

struct spawn_plan {
  long count = 0;
  long inflight = 1;
  std::string program = "/bin/true";
  // Names are PREFIX-N: N is the slot (reused, so the table stays small) or, with
  // unique_names, the op's index (every op leaves its own exited record behind).
  std::string prefix = "bench";
  bool unique_names = false;
  // Baseline only: start the child the way shoald does (signal mask emptied, every signal
  // back to default, own process group, stdin on /dev/null, output to files, no descriptor
  // past 2, a chdir), so that the cost of a clean child is told apart from the control path.
  bool clean_child = false;
};

// `count` processes named PREFIX-0.., 8 in flight: fills the table with exited records.
inline spawn_plan unique_spawns(long count, std::string prefix) {
  spawn_plan plan;
  plan.count = count;
  plan.inflight = 8;
  plan.prefix = std::move(prefix);
  plan.unique_names = true;
  return plan;
}

// One sample per op: from sending `start` to receiving the `join` reply. Fails on any refused
// request or a child that did not exit 0.
// `start_phase`, if given, gets the time to the `start` reply alone.
status run_spawns(cli::connection& conn, const spawn_plan& plan, samples& out,
                  samples* start_phase = nullptr);

// The same shape with posix_spawn + waitpid in this process, no daemon: the baseline.
// waitpid(-1) reaps whatever child ends; `daemon_pid`, if it is reaped, fails the run (with
// its wait status in `daemon_wstatus`).
// `start_phase`, if given, gets the time posix_spawn itself took.
status run_local_spawns(const spawn_plan& plan, samples& out, int daemon_pid, int& daemon_wstatus,
                        samples* start_phase = nullptr);

}  // namespace shoal::bench
