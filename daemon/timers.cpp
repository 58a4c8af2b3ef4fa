#include "daemon/timers.hpp"

#include <asio/post.hpp>

namespace shoal {

timer_service::id asio_timers::call_at(steady_clock::time_point when, std::function<void()> fn) {
  id timer = next_++;
  auto t = std::make_unique<asio::steady_timer>(io_, when);
  t->async_wait([this, timer, fn = std::move(fn)](const std::error_code& ec) {
    if (ec) return;  // cancelled; cancel() has forgotten it already
    pending_.erase(timer);
    fn();
  });
  pending_.emplace(timer, std::move(t));
  return timer;
}

void asio_timers::cancel(id timer) {
  auto it = pending_.find(timer);
  if (it == pending_.end()) return;
  // Destroying the timer cancels it: its handler still runs once, with operation_aborted,
  // and touches nothing but the error code then.
  pending_.erase(it);
}

void asio_timers::post(std::function<void()> fn) { asio::post(io_, std::move(fn)); }

}  // namespace shoal
