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
  text_ += event.dump(-1, ' ', false, json::error_handler_t::replace);
  ends_.push_back(text_.size());
  while (size() > capacity_) drop_oldest();
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
  std::uint64_t first_held = size() == 0 ? next_seq_ : first_held_;
  if (seq + 1 < first_held) out.lost = first_held - (seq + 1);
  std::size_t begin = head_ == 0 ? 0 : ends_[head_ - 1];
  std::uint64_t held_seq = first_held_;
  for (std::size_t i = head_; i < ends_.size(); ++i, ++held_seq) {
    if (held_seq > seq)
      out.events.push_back(json::parse(std::string_view(text_).substr(begin, ends_[i] - begin)));
    begin = ends_[i];
  }
  return out;
}

void event_log::drop_oldest() {
  ++head_;
  ++first_held_;
  if (head_ < ends_.size() - head_) return;
  std::size_t dropped = ends_[head_ - 1];
  text_.erase(0, dropped);
  ends_.erase(ends_.begin(), ends_.begin() + static_cast<std::ptrdiff_t>(head_));
  for (auto& end : ends_) end -= dropped;
  head_ = 0;
}

std::uint64_t event_log::subscribe(subscriber fn) {
  std::uint64_t id = next_subscriber_++;
  subscribers_.emplace(id, std::move(fn));
  return id;
}

void event_log::unsubscribe(std::uint64_t id) { subscribers_.erase(id); }

}  // namespace shoal
