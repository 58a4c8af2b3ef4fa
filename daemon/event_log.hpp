// The daemon's live events (docs/protocol.md, "watch"): every transition of a process and
// every change other components announce, each with a sequence number that only goes up.
//
// The log keeps the last `capacity` events in a ring, so a watcher that reconnects with the
// last seq it saw gets everything the ring still covers and is told how many it missed. It
// lives in memory: a daemon started again (or re-executed) numbers from 1 again, under an
// `epoch` of its own, by which a watcher tells the numbering its seq belongs to.
// Subscribers are called synchronously from publish(), on the daemon's one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/protocol.hpp"

namespace shoal {

class event_log {
 public:
  using clock_fn = std::function<std::chrono::system_clock::time_point()>;
  using subscriber = std::function<void(const json& event)>;

  explicit event_log(std::size_t capacity = 10000, clock_fn clock = nullptr);

  // Appends {"seq", "type", "name", "time", ...fields} and hands it to every subscriber.
  // `fields` (an object, or null) adds type-specific members, e.g. "exitcode" or "delay".
  // Returns the event's seq.
  std::uint64_t publish(std::string_view type, std::string_view name, json fields = nullptr);

  // The seq of the newest event; 0 before the first.
  std::uint64_t last_seq() const { return next_seq_ - 1; }
  // Names this log's numbering: the pid and the instant the log was made, different for
  // every daemon and every image a reexec starts.
  const std::string& epoch() const { return epoch_; }

  struct replay {
    std::vector<json> events;  // every held event with seq > since, oldest first
    std::uint64_t lost = 0;    // events after `since` that the ring no longer holds
  };
  replay since(std::uint64_t seq) const;

  // Returns an id for unsubscribe(). Subscribers may unsubscribe (themselves or others)
  // from inside the callback.
  std::uint64_t subscribe(subscriber fn);
  void unsubscribe(std::uint64_t id);
  std::size_t subscriber_count() const { return subscribers_.size(); }
  std::size_t size() const { return held_.size() - head_; }

 private:
  std::size_t capacity_;
  clock_fn clock_;
  std::string epoch_;
  // The held events, oldest first with consecutive seqs from first_held_. Packed, because a
  // replay is rare and a daemon that ran many processes holds thousands of them: their JSON
  // texts back to back in text_, the i-th ending at held_[i].end, each without the three
  // members every event has (its seq follows from its place, its type and time are in
  // held_[i]), which were more than half of a process event's text. The oldest are dropped by
  // moving head_; both are compacted once the dropped part is as large as the held one, so a
  // publish costs amortised O(its own text).
  // 16 bytes: text_ never nears 2^48 bytes (it holds at most twice `capacity` events' texts).
  static constexpr std::uint64_t end_mask = (std::uint64_t{1} << 48) - 1;
  struct held_event {
    std::uint64_t end : 48;
    std::uint64_t type : 16;  // index into types_
    std::chrono::system_clock::time_point time;
  };
  std::string text_;
  std::vector<held_event> held_;
  std::vector<std::string> types_;  // every type published so far: a few dozen at most
  std::size_t head_ = 0;            // held_[0, head_) are dropped
  std::uint64_t first_held_ = 1;
  std::uint16_t type_index(std::string_view type);
  void drop_oldest();
  std::uint64_t next_seq_ = 1;
  std::uint64_t next_subscriber_ = 1;
  std::map<std::uint64_t, subscriber> subscribers_;
};

}  // namespace shoal
