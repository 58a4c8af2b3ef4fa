// A supervisor over fake_supervision.hpp's host and clock, with a log directory of its own:
// what a unit test of the process table starts from (derive from it, or hold one).
#pragma once

#include <asio/io_context.hpp>

#include "daemon/process_logs.hpp"
#include "daemon/supervisor.hpp"
#include "unit/fake_supervision.hpp"
#include "unit/temp_dir.hpp"

namespace shoal::testing {

struct supervision_rig {
  temp_dir dir;
  asio::io_context io;
  fake_host host;
  manual_timers timers;
  process_logs logs{io, dir.path, {}};
  supervisor s{host, timers, logs, {"/tmp/x.sock", 10, 100}};
};

}  // namespace shoal::testing
