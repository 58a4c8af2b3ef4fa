// The process table and each child's state machine (process_record.hpp). Passive: the daemon
// feeds it requests and "children may have exited" (SIGCHLD); it never reads a socket.
// Transitions happen in four places only: start(), begin_stop(), on_reaped() and respawn()
// (process_record.hpp draws them). Each one is published to the event log, when there is one.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <asio/io_context.hpp>

#include "daemon/dispatcher.hpp"
#include "daemon/event_log.hpp"
#include "daemon/log_directory.hpp"
#include "common/log_limits.hpp"
#include "daemon/process_record.hpp"
#include "daemon/spawner.hpp"

namespace shoal {

struct supervisor_options {
  std::string log_dir;       // NAME.out / NAME.err live here (log_directory.hpp)
  std::string socket_path;   // given to children as SHOAL_SOCKET
  double stop_grace_seconds = 10;
  std::size_t max_exited_records = 1000;
  log_limits default_log_limits{};  // for a start that sets none
};

struct start_params {
  std::optional<std::string> name;
  std::vector<std::string> argv;
  std::string cwd;
  std::vector<std::pair<std::string, std::string>> env;
  // Initialized here so that `start_params{name, argv, cwd, env}` stays warning-free.
  restart_settings restart{};             // default: never restarted
  // Set when the process runs as someone else than the daemon (run_as.hpp): a declared
  // program's user or group, root's `start` with them, any `start` by another user.
  std::vector<std::string> exec_argv{};   // what to execute, when not argv itself (setpriv)
  std::optional<uid_t> uid{};             // who it runs as; empty: the daemon's own uid
  std::optional<gid_t> gid{};             // its group; empty: the daemon's own gid
  // Declared programs (programs_file.hpp) also set these.
  std::string program{};                  // the program this is an instance of
  int stop_signal = 15;                   // SIGTERM
  std::optional<double> stop_timeout{};   // empty: supervisor_options::stop_grace_seconds
  std::optional<std::uint64_t> log_max_bytes{};  // empty: supervisor_options::default_log_limits
  std::optional<int> log_backups{};
};

class supervisor {
 public:
  // Opens options.log_dir; if that fails, every start fails with the reason (logs_status()).
  supervisor(asio::io_context& io, spawner& spawn, supervisor_options options);
  ~supervisor();
  supervisor(const supervisor&) = delete;
  supervisor& operator=(const supervisor&) = delete;

  // Extra KEY=VALUE entries every child gets (the shared segment's names).
  void add_child_env(std::string entry);
  // Told about every start and exit (for logs, readiness status, events).
  void on_change(std::function<void()> fn) { on_change_ = std::move(fn); }
  // Where transitions are published (started, exited, stopped, restarting, fatal).
  void set_event_log(event_log& events) { events_ = &events; }
  // A declared program instance that `start` with a name and no argv starts.
  void declare(const std::string& name, start_params params);
  void undeclare(const std::string& name);

  result<json> start(start_params params);
  void join(const std::string& name, std::optional<double> timeout, const responder& reply);
  result<json> list(const std::vector<std::string>& names) const;
  void stop(const std::string& name, std::optional<double> grace, const responder& reply);
  result<json> kill(const std::string& name, int signo, bool group);
  status remove(const std::string& name);
  const process_record* find(const std::string& name) const;
  // What `start` with just this name starts; null when no program declares it.
  const start_params* declared(const std::string& name) const;
  // Whether the log directory could be opened; the daemon refuses to start without it.
  const status& logs_status() const { return logs_status_; }

  // SIGCHLD: reap everything that has exited (children and adopted orphans), then return.
  void reap();
  // Drop joiners of a client that went away.
  void session_closed(std::uint64_t session);

  // Daemon shutdown: refuse new starts, cancel pending restarts, stop every child (grace, then
  // SIGKILL); orphans the daemon adopted get SIGTERM, then SIGKILL once the supervised ones
  // have ended. `done` runs once nothing is left alive. A second call kills what is left.
  void shutdown(std::function<void()> done);

  std::size_t running_count() const;
  std::size_t exited_count() const;

 private:
  process_record* lookup(const std::string& name);
  std::string next_default_name();
  result<spawned_child> spawn_child(const std::string& name, const start_params& params,
                                    process_output& output);
  void forget(std::map<std::string, std::unique_ptr<process_record>>::iterator it);
  void begin_stop(process_record& r, double grace);
  void respawn(process_record& r);
  void after_run(process_record& r, bool failed);
  void emit(std::string_view type, const process_record& r, json fields = json::object());
  void signal_group(process_record& r, int signo);
  void on_reaped(process_record& r, int wait_status);
  void answer_waiters(process_record& r);
  // Forgets the oldest exited records beyond max_exited_records, and their logs.
  void evict_exited();
  void evict_oldest_exited();
  void check_shutdown_done();
  void changed();

  asio::io_context& io_;
  spawner& spawner_;
  supervisor_options options_;
  std::shared_ptr<const log_directory> logs_;  // null when it could not be opened
  status logs_status_;
  std::vector<std::string> child_env_;
  std::map<std::string, std::unique_ptr<process_record>> records_;  // sorted: status lists by name
  std::unordered_map<pid_t, process_record*> by_pid_;               // alive records only
  std::uint64_t next_default_ = 1;
  std::uint64_t next_start_order_ = 1;
  std::uint64_t next_waiter_id_ = 1;
  bool shutting_down_ = false;
  std::function<void()> shutdown_done_;
  std::function<void()> on_change_;
  event_log* events_ = nullptr;
  std::map<std::string, start_params> declared_;
};

}  // namespace shoal
