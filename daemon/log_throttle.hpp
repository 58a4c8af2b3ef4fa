// Lets a warning that recurs in a loop (an accept that keeps failing) through at most once per
// interval, and counts the occurrences it held back, so the next line can say how many.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace shoal {

class log_throttle {
 public:
  using clock = std::chrono::steady_clock;

  explicit log_throttle(clock::duration interval = std::chrono::seconds(1)) : interval_(interval) {}

  // One more occurrence at `now`. Returns how many were held back since the last one let
  // through when this one should be logged, nothing when it should not.
  std::optional<std::uint64_t> occurred(clock::time_point now) {
    ++total_;
    if (last_ && now - *last_ < interval_) {
      ++held_back_;
      return std::nullopt;
    }
    last_ = now;
    std::uint64_t held = held_back_;
    held_back_ = 0;
    return held;
  }

  // The episode is over (the failing call succeeded): returns how many occurrences it had in
  // all, and lets the next one through at once.
  std::uint64_t end_episode() {
    std::uint64_t total = total_;
    total_ = held_back_ = 0;
    last_.reset();
    return total;
  }

 private:
  clock::duration interval_;
  std::optional<clock::time_point> last_;
  std::uint64_t held_back_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace shoal
