#include "daemon/event_log.hpp"

#include "common/time_format.hpp"

namespace shoal {

event_log::event_log(std::size_t capacity, clock_fn clock)
    : capacity_(capacity == 0 ? 1 : capacity), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

std::uint64_t event_log::publish(std::string_view type, std::string_view name, json fields) {
  std::uint64_t seq = next_seq_++;
  json event = {{"seq", seq},
                {"type", std::string(type)},
                {"name", std::string(name)},
                {"time", to_rfc3339(clock_())}};
  if (fields.is_object())
    for (auto& [k, v] : fields.items())
      if (!event.contains(k)) event[k] = std::move(v);
  ring_.push_back({seq, event.dump(-1, ' ', false, json::error_handler_t::replace)});
  while (ring_.size() > capacity_) ring_.pop_front();
  // A copy of the ids: a callback may unsubscribe, and a session that closes while being
  // written to unsubscribes from inside publish().
  std::vector<std::uint64_t> ids;
  ids.reserve(subscribers_.size());
  for (const auto& [id, fn] : subscribers_) ids.push_back(id);
  for (auto id : ids) {
    auto it = subscribers_.find(id);
    if (it == subscribers_.end()) continue;
    subscriber fn = it->second;  // kept alive even if it unsubscribes itself
    fn(event);
  }
  return seq;
}

event_log::replay event_log::since(std::uint64_t seq) const {
  replay out;
  if (seq >= last_seq()) return out;
  std::uint64_t first_held = ring_.empty() ? next_seq_ : ring_.front().seq;
  if (seq + 1 < first_held) out.lost = first_held - (seq + 1);
  for (const auto& e : ring_)
    if (e.seq > seq) out.events.push_back(json::parse(e.text));
  return out;
}

std::uint64_t event_log::subscribe(subscriber fn) {
  std::uint64_t id = next_subscriber_++;
  subscribers_.emplace(id, std::move(fn));
  return id;
}

void event_log::unsubscribe(std::uint64_t id) { subscribers_.erase(id); }

}  // namespace shoal
