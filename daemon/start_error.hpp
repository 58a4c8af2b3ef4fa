// Why the supervisor refused a start, as a value: what went wrong and the facts to tell it
// with. The supervisor words none of it; process_ops (start_refusal) says it to clients.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/status.hpp"

namespace shoal {

struct start_error {
  enum class kind {
    shutting_down,       // the daemon is stopping everything and starts nothing new
    bad_argv,            // empty, naming no program, or holding a NUL byte
    bad_cwd,             // holding a NUL byte
    bad_env,             // `detail`: the name of the variable refused
    already_running,     // `pid`: the run that holds the name
    waiting_to_restart,  // the name is in backoff
    no_output,           // `cause`: why its log files could not be opened
    no_pipes,            // `cause`: why its output pipes could not be made
    spawn_failed,        // `cause`: why the process host could not spawn it
  };
  kind what;
  std::string name{};  // the process, once one is named or chosen
  pid_t pid = 0;
  std::string detail{};
  status cause{};  // what the log directory or the process host said
};

}  // namespace shoal
