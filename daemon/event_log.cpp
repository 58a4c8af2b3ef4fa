#include "daemon/event_log.hpp"

#include <unistd.h>

#include "common/time_format.hpp"

namespace shoal {

event_log::event_log(std::size_t capacity, clock_fn clock)
    : capacity_(capacity == 0 ? 1 : capacity), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
  // The steady clock: a wall clock set back could repeat an instant.
  epoch_ = std::to_string(::getpid()) + "-" +
           std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

std::uint64_t event_log::publish(std::string_view type, std::string_view name, json fields) {
  std::uint64_t seq = next_seq_++;
  auto now = clock_();
  // What is kept: every member but seq, type and time, which since() puts back.
  json event = {{"name", std::string(name)}};
  if (fields.is_object())
    for (auto& [k, v] : fields.items())
      if (k != "seq" && k != "type" && k != "time" && !event.contains(k)) event[k] = std::move(v);
  text_ += event.dump(-1, ' ', false, json::error_handler_t::replace);
  held_.push_back({text_.size() & end_mask, type_index(type), now});
  while (size() > capacity_) drop_oldest();
  event["seq"] = seq;
  event["type"] = std::string(type);
  event["time"] = to_rfc3339(now);
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
  std::size_t begin = head_ == 0 ? 0 : held_[head_ - 1].end;
  std::uint64_t held_seq = first_held_;
  for (std::size_t i = head_; i < held_.size(); ++i, ++held_seq) {
    const held_event& h = held_[i];
    if (held_seq > seq) {
      json event = json::parse(std::string_view(text_).substr(begin, h.end - begin));
      event["seq"] = held_seq;
      event["type"] = types_[h.type];
      event["time"] = to_rfc3339(h.time);
      out.events.push_back(std::move(event));
    }
    begin = h.end;
  }
  return out;
}

void event_log::drop_oldest() {
  ++head_;
  ++first_held_;
  if (head_ < held_.size() - head_) return;
  std::size_t dropped = held_[head_ - 1].end;
  text_.erase(0, dropped);
  held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(head_));
  for (auto& h : held_) h.end = (h.end - dropped) & end_mask;
  head_ = 0;
}

std::uint16_t event_log::type_index(std::string_view type) {
  for (std::size_t i = 0; i < types_.size(); ++i)
    if (types_[i] == type) return static_cast<std::uint16_t>(i);
  types_.emplace_back(type);
  return static_cast<std::uint16_t>(types_.size() - 1);
}

std::uint64_t event_log::subscribe(subscriber fn) {
  std::uint64_t id = next_subscriber_++;
  subscribers_.emplace(id, std::move(fn));
  return id;
}

void event_log::unsubscribe(std::uint64_t id) { subscribers_.erase(id); }

}  // namespace shoal
