// Everything shared with children: the segment, the lock semaphore, the keeper that makes the
// lock robust, and the value_*/array_*/lock_* ops. The daemon opens it at start-up, before it
// listens; failures then are fatal with a clear message. docs/segment-layout.md describes it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>  // after a standard header, see lock_keeper.hpp

#include "config.hpp"
#include "dispatcher.hpp"
#include "event_log.hpp"
#include "lock_keeper.hpp"
#include "named_lock.hpp"
#include "shared_segment.hpp"

namespace shoal {

class shared_state {
 public:
  // Creates or adopts the segment and the semaphore named after cfg.socket_path.
  static result<std::unique_ptr<shared_state>> open(asio::io_context& io, const config& cfg);
  // shoald --cleanup: removes both; ok when there was nothing to remove.
  static status cleanup(const config& cfg);

  // `events`, when given, hears value_created, value_deleted and lock_recovered.
  void register_ops(dispatcher& d, event_log* events = nullptr);
  std::vector<std::string> child_env() const;  // {"SHOAL_SHM=/...", "SHOAL_LOCK=/..."}
  json describe() const;                       // {"shm", "lock", "shm_size"} for hello

  shared_state(const shared_state&) = delete;
  shared_state& operator=(const shared_state&) = delete;

 private:
  shared_state(std::unique_ptr<shared_segment> segment, std::unique_ptr<named_lock> lock,
               asio::io_context& io);
  std::unique_ptr<shared_segment> segment_;
  std::unique_ptr<named_lock> lock_;
  lock_keeper keeper_;
};

}  // namespace shoal
