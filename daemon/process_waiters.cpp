#include "daemon/process_waiters.hpp"

#include <algorithm>

#include "daemon/format.hpp"

#include "daemon/process_json.hpp"

namespace shoal {

void process_waiters::join(const std::string& name, std::optional<double> timeout,
                           const responder& reply) {
  joiner j{next_id_++, reply, 0};
  if (timeout) {
    double limit = *timeout;
    j.deadline = timers_.call_at(timers_.now() + seconds_of(limit),
                                 [this, name, id = j.id, limit] { time_out(name, id, limit); });
  }
  joiners_[name].push_back(std::move(j));
}

void process_waiters::finished(const process_record& r) {
  auto joiners = joiners_.extract(r.name);
  auto stoppers = stoppers_.extract(r.name);
  if (joiners.empty() && stoppers.empty()) return;
  std::string record = record_json_text(r);
  if (!joiners.empty())
    for (auto& j : joiners.mapped()) {
      timers_.cancel(j.deadline);
      j.reply.ok_text(record);
    }
  if (!stoppers.empty())
    for (auto& s : stoppers.mapped()) s.ok_text(record);
}

void process_waiters::session_closed(std::uint64_t session) {
  for (auto& [name, js] : joiners_)
    std::erase_if(js, [&](const joiner& j) {
      if (j.reply.from().session != session) return false;
      timers_.cancel(j.deadline);
      return true;
    });
  for (auto& [name, ss] : stoppers_)
    std::erase_if(ss, [&](const responder& s) { return s.from().session == session; });
  std::erase_if(joiners_, [](const auto& kv) { return kv.second.empty(); });
  std::erase_if(stoppers_, [](const auto& kv) { return kv.second.empty(); });
}

void process_waiters::time_out(const std::string& name, std::uint64_t id, double limit) {
  auto it = joiners_.find(name);
  if (it == joiners_.end()) return;
  auto& js = it->second;
  auto j = std::find_if(js.begin(), js.end(), [&](const joiner& w) { return w.id == id; });
  if (j == js.end()) return;
  responder waiting = j->reply;
  js.erase(j);
  if (js.empty()) joiners_.erase(it);
  waiting.fail(errc::timeout, format("process '{}' still running after {} s", name, limit));
}

}  // namespace shoal
