// Everything shared with children: the segment, the lock semaphore, the keeper that makes the
// lock robust, the named locks, and the value_*/array_*/lock_* ops. The daemon opens it at
// start-up, before it listens; failures then are fatal with a clear message. docs/segment-layout.md
// describes it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>  // after a standard header, see lock_keeper.hpp

#include "daemon/config.hpp"
#include "daemon/dispatcher.hpp"
#include "daemon/event_log.hpp"
#include "daemon/lock_keeper.hpp"
#include "daemon/lock_table.hpp"
#include "daemon/named_lock.hpp"
#include "daemon/shared_segment.hpp"
#include "daemon/state_directory.hpp"

namespace shoal {

class shared_state {
 public:
  // Adopts the segment and semaphore whose base name the state directory records, or creates
  // them (cfg.fresh: always new and empty). When another user holds either name, its object
  // is left alone and this instance moves to a new random name, carrying its values along.
  static result<std::unique_ptr<shared_state>> open(asio::io_context& io, const config& cfg,
                                                    state_directory& dir);
  // shoald --cleanup: removes the recorded objects that are ours (the named locks' semaphores
  // too) and forgets the name; ok when there was nothing to remove. The caller holds the
  // instance lock.
  static status cleanup(state_directory& dir);

  // `events`, when given, hears value_created, value_deleted and lock_recovered.
  void register_ops(dispatcher& d, event_log* events = nullptr);
  std::vector<std::string> child_env() const;  // {"SHOAL_SHM=/...", "SHOAL_LOCK=/..."}
  json describe() const;                       // {"shm", "lock", "shm_size"} for hello
  // A start-up that fails after this was opened: objects created empty for it hold nothing
  // worth keeping and are removed; adopted (or carried-over) values stay for the next daemon.
  void discard_if_created();

  shared_state(const shared_state&) = delete;
  shared_state& operator=(const shared_state&) = delete;

 private:
  shared_state(std::unique_ptr<shared_segment> segment, std::unique_ptr<named_lock> lock,
               asio::io_context& io);
  std::unique_ptr<shared_segment> segment_;
  std::unique_ptr<named_lock> lock_;
  lock_keeper keeper_;         // the daemon's own lock
  lock_table locks_;           // it and the named locks
  bool holds_values_ = false;  // adopted, or carried over from a name someone else took
  std::string state_path_;     // where lock-exits.json is kept (lock_exit_file.hpp)
  void save_exit_releases();
};

}  // namespace shoal
