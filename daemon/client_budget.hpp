// What the daemon holds in memory on behalf of its clients, summed over every connection:
// replies and events a client has not read yet, request bytes read but not yet handled, and
// requests kept waiting for their answer (a join, a lock acquire, a watch). One cap covers all
// of it (`shoald --max-queued-bytes`), so the daemon's memory does not grow with the number of
// clients that stop reading: past the cap, the client holding the most is cut off.
#pragma once

#include <cstddef>
#include <functional>

namespace shoal {

// Defaults and bounds of --max-queued-bytes. The floor leaves room for a maximal request line
// (1 MiB, read into a buffer that may double while it grows) next to its reply.
inline constexpr std::size_t default_max_queued_bytes = std::size_t{64} << 20;
inline constexpr std::size_t min_max_queued_bytes = std::size_t{4} << 20;

// What one queued reply line costs beyond its characters: the std::string in the queue and
// the allocator's header. (A short line's buffer is trimmed to its length; a long one's spare
// capacity is never written, so never resident.)
inline constexpr std::size_t queued_line_overhead = 48;

// What a request kept waiting is charged: its parsed form (at least its id, which may be any
// JSON value) stays alive, and nlohmann::json spends up to about 32 bytes per byte of text on
// it (`[{},{},...]`: a 16-byte value, a map and the vector slot per 3 bytes).
inline constexpr std::size_t waiting_request_bytes(std::size_t line_bytes) {
  return 512 + 32 * line_bytes;
}

class client_budget {
 public:
  // Called when the total goes over the cap; cuts clients off until it no longer is.
  using over_cap_fn = std::function<void()>;

  explicit client_budget(std::size_t cap) : cap_(cap) {}
  void on_over_cap(over_cap_fn fn) { over_cap_ = std::move(fn); }

  // One client's holding went from `before` to `after` bytes. Growth past the cap calls the
  // over-cap function at once, before the caller queues anything more.
  void update(std::size_t before, std::size_t after);

  std::size_t held() const { return held_; }
  std::size_t cap() const { return cap_; }
  bool over() const { return held_ > cap_; }

 private:
  std::size_t cap_;
  std::size_t held_ = 0;
  // Set while over_cap_ runs: the clients it cuts off only give bytes back, and must not
  // call it again from inside.
  bool relieving_ = false;
  over_cap_fn over_cap_;
};

}  // namespace shoal
