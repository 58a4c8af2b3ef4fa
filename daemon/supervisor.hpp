// The process table. Passive: it is told about requests (start, stop, kill, ...), reaped
// children (on_reaped, from reaper.hpp) and time (timers.hpp), and it acts on processes only
// through a process_host. It answers with typed results and tells what happened as typed
// events; it knows no JSON and no protocol (process_ops.cpp turns both into replies).
// Every state change goes through next_state() (process_lifecycle.hpp).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/log_limits.hpp"
#include "common/natural_order.hpp"
#include "common/status.hpp"
#include "daemon/keeper_link.hpp"
#include "daemon/process_host.hpp"
#include "daemon/process_logs.hpp"
#include "daemon/process_record.hpp"
#include "daemon/process_spec.hpp"
#include "daemon/record_file.hpp"
#include "daemon/record_table.hpp"
#include "daemon/start_error.hpp"
#include "daemon/timers.hpp"

namespace shoal {

struct supervisor_options {
  std::string socket_path;  // given to children as SHOAL_SOCKET
  double stop_grace_seconds = 10;
  std::size_t max_exited_records = 1000;
};

// What happened to a record, told to every subscriber as it happens, in this order for one
// run: started or respawned; then exited (on its own) or stopped; then restarting or fatal
// when the restart policy spoke; then finished once the record is done (exited or fatal) and
// nothing more will happen to it on its own. removed: remove() is about to forget it.
struct supervisor_event {
  enum class kind {
    started,
    respawned,
    exited,
    stopped,
    restart_cancelled,
    restarting,
    fatal,
    finished,
    removed
  };
  kind what;
  const process_record& record;
  double delay_seconds = 0;  // restarting: how long until the next attempt
  int attempt = 0;           // restarting: 1 for the first restart in a row, 2, ...
};

class supervisor {
 public:
  using subscriber = std::function<void(const supervisor_event&)>;

  // Every run writes its output through `logs` (the caller's, opened or not: if not, every
  // start fails with the reason).
  supervisor(process_host& host, timer_service& timers, process_logs& logs,
             supervisor_options options);
  ~supervisor();
  supervisor(const supervisor&) = delete;
  supervisor& operator=(const supervisor&) = delete;

  // Extra KEY=VALUE entries every child gets (the shared segment's names).
  void add_child_env(std::string entry);
  // Called synchronously from inside each transition; a subscriber must not call back into
  // the supervisor's transitions (post instead).
  void subscribe(subscriber fn);
  // A declared program instance that `start` with a name and no argv starts.
  void declare(const std::string& name, process_spec spec);
  void undeclare(const std::string& name);
  // What `start` with just this name starts; null when no program declares it.
  const process_spec* declared(const std::string& name) const;

  // A start with an empty argv and a declared name starts the declaration. Without a name,
  // the next free Process-N.
  result<const process_record*, start_error> start(std::optional<std::string> name,
                                                   process_spec spec);
  // Begins stopping: the stop signal, then SIGKILL after `grace` (default: the process's own
  // stop_timeout, else the daemon's); in backoff, cancels the restart. `finished` follows.
  result<const process_record*> stop(const std::string& name, std::optional<double> grace);
  result<const process_record*> kill(const std::string& name, int signo, bool group);
  status remove(const std::string& name);
  // All records in natural order of name (w-2 before w-10), or the named ones in the order
  // asked.
  result<std::vector<const process_record*>> list(const std::vector<std::string>& names) const;
  const process_record* find(const std::string& name) const;
  // The logs of `r`: its output, or for a done record that released it (quiet_log_limits)
  // its empty files opened again for one read; why not when they cannot be opened.
  result<std::shared_ptr<process_output>> output_of(const process_record& r);
  // Every record (in natural order of name), and every declared instance's name: what targets
  // expand over (targets.hpp).
  std::vector<const process_record*> records() const;
  std::vector<std::string> declared_names() const;
  // start(name, spec) for `restart`, once the old run of `name` is done: the new record counts
  // one more restart than the old one.
  result<const process_record*, start_error> start_again(const std::string& name,
                                                         process_spec spec);

  // The reaper (reaper.hpp) is about to reap `pid`: while the zombie leader still pins its
  // group id, the last moment a stopped process's stragglers can be killed safely.
  void before_reap(pid_t pid);
  // `pid` was reaped with `wait_status` (waitpid(2)). False when no record owns it: an
  // adopted orphan.
  bool on_reaped(pid_t pid, int wait_status);
  // `pid` ended where no one will report how (its keeper was lost, and it went to a parent
  // that is not the daemon's): the record becomes lost with `why`, and is never signalled
  // again. False when no live record owns it.
  bool on_untraceable(pid_t pid, const std::string& why);
  // Every live run's pid and pidfd (-1 without one), the pidfd still the record's own.
  std::vector<std::pair<pid_t, int>> live_pidfds() const;

  // Daemon shutdown: refuse new starts, cancel pending restarts, stop every child (grace, then
  // SIGKILL); orphans the daemon adopted get SIGTERM, then SIGKILL once the supervised ones
  // have ended. `done` runs once nothing is left alive. A second call kills what is left.
  void shutdown(std::function<void()> done);

  // Runs after any change a restarted daemon must know of (docs/restore.md): a start, a state
  // change, a record forgotten. Synchronously, like subscribers.
  // `name`: the record that changed, or was forgotten.
  void set_on_change(std::function<void(const std::string& name)> fn) {
    on_change_ = std::move(fn);
  }
  // What the record file keeps (record_file.hpp), of every record or of one (nothing when
  // there is no such record); boot_id is the caller's to fill.
  saved_table snapshot() const;
  std::optional<saved_process> snapshot_of(const std::string& name) const;
  std::uint64_t next_default() const { return next_default_; }
  // Before the first request: takes back the records an earlier daemon saved and the
  // children its keeper still holds (`held`). A saved live record whose pid the keeper holds
  // with the same start time is adopted (and its exit, if the keeper reaped it meanwhile, is
  // applied as if just reaped); one that cannot be verified becomes `lost`, never signalled.
  // A live child that no saved record names (spawned just before the daemon ended) is
  // adopted too, as the next run of a dead record of its name or as a record of its own.
  // `forget(pid)` is called for each held child no record needs, and for each exit applied,
  // for the keeper to forget once the records are saved.
  void restore(saved_table saved, std::vector<keeper_entry> held, bool keeper_is_new,
               const std::function<void(pid_t)>& forget);

  std::size_t running_count() const;
  std::size_t record_count() const { return records_.size(); }
  std::size_t exited_count() const;

 private:
  process_record* lookup(const std::string& name);
  std::string next_default_name();
  // Without `output`, the child's stdout and stderr are /dev/null.
  result<spawned_child, start_error> spawn_child(const std::string& name, const process_spec& spec,
                                                 process_output* output);
  // spawn_child's common part: `req` with its output already set.
  result<spawned_child, start_error> spawn_with(const std::string& name, const process_spec& spec,
                                                spawn_request& req,
                                                const std::function<void()>& meanwhile);
  // The one place a record's state changes.
  void transition(process_record& r, process_event event);
  void tell(supervisor_event::kind what, const process_record& r, double delay = 0,
            int attempt = 0);
  // What every end of a run does, reaped or untraceable: its output drained, its end time,
  // its pidfd and kill timer let go.
  void end_run(process_record& r);
  void finish(process_record& r);
  // A done record whose process wrote nothing lets its output go (quiet_log_limits).
  void release_if_quiet(process_record& r);
  void begin_stop(process_record& r, double grace);
  void escalate(const std::string& name, pid_t pid);
  void respawn(process_record& r);
  void judge_run(process_record& r, bool failed);
  void signal_group(process_record& r, int signo, bool answered = false);
  void forget(record_table::iterator it);
  // Forgets the oldest exited records beyond max_exited_records, and their logs.
  void evict_exited();
  void evict_oldest_exited();
  void check_shutdown_done();
  std::vector<pid_t> adopted_orphans();
  void changed(const std::string& name);
  void add_missed(saved_table& table, const keeper_entry& e);
  void restore_one(const saved_process& saved, std::vector<keeper_entry>& held, bool keeper_is_new,
                   std::vector<std::pair<pid_t, int>>& exits);

  process_host& host_;
  timer_service& timers_;
  process_logs& logs_;
  supervisor_options options_;
  std::vector<std::string> child_env_;
  std::vector<subscriber> subscribers_;
  record_table records_;
  std::unordered_map<pid_t, process_record*> by_pid_;  // alive records only
  std::uint64_t next_default_ = 1;
  std::uint64_t next_start_order_ = 1;
  bool shutting_down_ = false;
  std::function<void()> shutdown_done_;
  std::map<std::string, process_spec> declared_;
  std::function<void(const std::string&)> on_change_;
};

}  // namespace shoal
