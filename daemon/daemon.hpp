// Owns the event loop and every component, and the order in which they start and stop.
//
// Start-up: state directory (checked, then locked for the daemon's life), child-subreaper,
// shared state, supervisor and ops, then the socket. Anything failing until then is fatal with
// a message. From the first request on, nothing is: failures are answered and logged.
// Shutdown (SIGTERM, SIGINT, SIGQUIT): stop accepting, stop every child (grace, then SIGKILL),
// reap them, answer their joiners, close the sessions, tell the keeper to exit, exit 0. A
// second signal kills at once. SIGUSR2: save the records and exit at once, leaving every
// child running under the keeper for the next daemon to adopt (docs/restore.md).
// Every other signal: signal_dispositions.hpp.
//
// Its files: daemon.cpp (start-up, signals, shutdown, the STATUS= report), daemon_records.cpp
// (the keeper attached, the records taken back and the record file kept up to date),
// daemon_keeper_loss.cpp (a lost keeper replaced), daemon_ops.cpp (hello, reexec).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>

#include "daemon/config.hpp"
#include "daemon/dispatcher.hpp"
#include "daemon/event_log.hpp"
#include "daemon/keeper_link.hpp"
#include "daemon/orphaned_runs.hpp"
#include "daemon/process_host.hpp"
#include "daemon/program_table.hpp"
#include "daemon/record_file.hpp"
#include "daemon/reexec.hpp"
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
  // Takes back what an earlier daemon left: its keeper's children and its record file.
  status attach_keeper();
  void restore_records();
  void on_keeper_exit(pid_t pid, int wait_status);
  // Exits and the loss of the keeper in keeper_, told from the loop.
  void listen_to_keeper();
  // The keeper `link` was lost: it is ended, a new one started (or the daemon spawns itself),
  // and the runs it held are watched to their end (daemon_keeper_loss.cpp).
  void keeper_lost(keeper_link* link, const std::string& why);
  // One line on what became of the lost keeper's children.
  std::string take_over_runs(pid_t old_keeper, const std::vector<pid_t>& unnamed);
  // The record file follows the supervisor: rewritten at the end of the turn of the loop that
  // changed something, then the keeper may drop the exits it records.
  void save_later();
  void save_now(bool whole = false);
  // SIGUSR2: save, leave the children to the keeper, exit (an upgrade, docs/restore.md).
  void detach_and_exit();
  // After a clean stop: the orphans shoald itself parents (a lost keeper's) are reaped.
  void wait_for_killed_orphans();
  // The `reexec` op: save, then execute the binary again in place (daemon/reexec.hpp). Comes
  // back only when the exec failed, and answers why.
  void reexec(const responder& reply);
  // What `hello` answers.
  json describe() const;

  // How long the last log lines may wait at exit for a stderr that is not taking them.
  static constexpr std::chrono::milliseconds final_log_patience_{1000};

  config cfg_;
  asio::io_context io_;
  asio::signal_set signals_;
  event_log events_;  // before dispatcher_: watchers' subscriptions point into it
  dispatcher dispatcher_;
  posix_host host_;
  asio_timers timers_{io_};
  std::unique_ptr<keeper_link> keeper_;  // before supervisor_: the host points into it
  std::unique_ptr<process_logs> logs_;   // before supervisor_, which writes through it
  std::unique_ptr<supervisor> supervisor_;
  // Keepers this daemon lost: kept, not destroyed, as work they posted may still be queued.
  std::vector<std::unique_ptr<keeper_link>> lost_keepers_;
  // The runs lost keepers left, watched to their end; before supervisor_ in destruction.
  std::unique_ptr<orphaned_runs> orphaned_;
  std::unique_ptr<program_table>
      programs_;                            // null without a programs file; ends before supervisor_
  std::unique_ptr<state_directory> state_;  // holds the instance lock until the daemon ends
  std::unique_ptr<shared_state> shared_;
  std::unique_ptr<server> server_;
  bool stopping_ = false;
  bool children_stopped_ = false;  // a clean stop ended every child
  sd_notifier notifier_;           // a no-op unless started with NOTIFY_SOCKET
  std::string last_status_;
  bool status_pending_ = false;  // a report is posted for the end of this turn of the loop
  bool save_pending_ = false;
  std::unique_ptr<record_file> record_file_;
  std::set<std::string> changed_;      // names whose records changed since the last save
  bool restored_ = false;              // no save before the records are taken back
  std::vector<pid_t> reaped_unsaved_;  // exits the keeper keeps until the file has them
  // Set when this image was executed by `reexec`: its socket and the connection to answer.
  std::optional<reexec_handover> handover_;
};

}  // namespace shoal
