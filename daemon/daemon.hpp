// Owns the event loop and every component, and the order in which they start and stop.
//
// Start-up: state directory (checked, then locked for the daemon's life), child-subreaper,
// shared state, supervisor and ops, then the socket. Anything failing until then is fatal with
// a message. From the first request on, nothing is: failures are answered and logged.
// Shutdown (SIGTERM, SIGINT, SIGQUIT): stop accepting, stop every child (grace, then SIGKILL),
// reap them, answer their joiners, close the sessions, exit 0. A second signal kills at once.
// Every other signal: signal_dispositions.hpp.
#pragma once

#include <memory>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>

#include "daemon/config.hpp"
#include "daemon/dispatcher.hpp"
#include "daemon/event_log.hpp"
#include "daemon/process_host.hpp"
#include "daemon/program_table.hpp"
#include "daemon/sd_notify.hpp"
#include "daemon/server.hpp"
#include "daemon/shared_state.hpp"
#include "daemon/state_directory.hpp"
#include "daemon/supervisor.hpp"
#include "daemon/timers.hpp"

namespace shoal {

class daemon {
 public:
  explicit daemon(config cfg);
  ~daemon();
  // Returns the process exit code.
  int run();

 private:
  status prepare();
  void register_daemon_ops();
  void wait_for_signals();
  void begin_shutdown(int signo);
  void report_status();
  void status_changed();
  void reload_programs();

  config cfg_;
  asio::io_context io_;
  asio::signal_set signals_;
  event_log events_;  // before dispatcher_: watchers' subscriptions point into it
  dispatcher dispatcher_;
  posix_host host_;
  asio_timers timers_{io_};
  std::unique_ptr<supervisor> supervisor_;
  std::unique_ptr<program_table>
      programs_;                            // null without a programs file; ends before supervisor_
  std::unique_ptr<state_directory> state_;  // holds the instance lock until the daemon ends
  std::unique_ptr<shared_state> shared_;
  std::unique_ptr<server> server_;
  bool stopping_ = false;
  sd_notifier notifier_;  // a no-op unless started with NOTIFY_SOCKET
  std::string last_status_;
  bool status_pending_ = false;  // a report is posted for the end of this turn of the loop
};

// shoald --cleanup: removes the shared segment and lock that the state directory records,
// unless a live daemon uses that directory or someone serves the socket. Returns the exit
// code: 0 done (or nothing to do), 1 refused or failed.
int run_cleanup(const config& cfg);

}  // namespace shoal
