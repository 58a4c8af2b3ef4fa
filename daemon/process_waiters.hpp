// Requests that wait for a process to be done (join, stop), answered when the supervisor says it
// finished; a client that goes away takes its waiters with it. The supervisor knows nothing of
// them: process_ops feeds this its `finished` events and the dispatcher's closed sessions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/dispatcher.hpp"
#include "daemon/process_record.hpp"
#include "daemon/timers.hpp"

namespace shoal {

class process_waiters {
 public:
  explicit process_waiters(timer_service& timers) : timers_(timers) {}

  // Answers `reply` with the record once `name` is done, or with `timeout` once it has run out.
  void join(const std::string& name, std::optional<double> timeout, const responder& reply);
  // Answers `reply` with the record once `name` is done.
  void stop(const std::string& name, const responder& reply) { stoppers_[name].push_back(reply); }
  void finished(const process_record& r);
  void session_closed(std::uint64_t session);

 private:
  struct joiner {
    std::uint64_t id = 0;
    responder reply;
    timer_service::id deadline = 0;  // 0 without a timeout
  };

  void time_out(const std::string& name, std::uint64_t id, double limit);

  timer_service& timers_;
  std::uint64_t next_id_ = 1;
  std::map<std::string, std::vector<joiner>> joiners_;
  std::map<std::string, std::vector<responder>> stoppers_;
};

}  // namespace shoal
