// Time as the supervisor sees it: the clocks, one-shot timers and deferred calls, behind one
// interface so unit tests move time by hand (back-off delays, SIGKILL escalation) instead of
// waiting for it. asio_timers is the real one, on the daemon's io_context.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

namespace shoal {

class timer_service {
 public:
  using steady_clock = std::chrono::steady_clock;
  using system_clock = std::chrono::system_clock;
  using id = std::uint64_t;  // 0 is never a timer

  virtual ~timer_service() = default;
  virtual steady_clock::time_point now() const = 0;
  virtual system_clock::time_point wall_now() const = 0;
  // Calls `fn` once at `when`, from the loop, unless cancelled first.
  virtual id call_at(steady_clock::time_point when, std::function<void()> fn) = 0;
  // A timer that fired or was cancelled already: nothing happens.
  virtual void cancel(id timer) = 0;
  // Calls `fn` from the loop, after the current handler returns.
  virtual void post(std::function<void()> fn) = 0;
};

// `s` seconds as `Clock` counts them: the steady clock's for timers, the system clock's for
// times a client is shown.
template <class Clock = std::chrono::steady_clock>
typename Clock::duration seconds_of(double s) {
  return std::chrono::duration_cast<typename Clock::duration>(std::chrono::duration<double>(s));
}

class asio_timers final : public timer_service {
 public:
  explicit asio_timers(asio::io_context& io) : io_(io) {}
  steady_clock::time_point now() const override { return steady_clock::now(); }
  system_clock::time_point wall_now() const override { return system_clock::now(); }
  id call_at(steady_clock::time_point when, std::function<void()> fn) override;
  void cancel(id timer) override;
  void post(std::function<void()> fn) override;

 private:
  asio::io_context& io_;
  id next_ = 1;
  std::map<id, std::unique_ptr<asio::steady_timer>> pending_;
};

}  // namespace shoal
