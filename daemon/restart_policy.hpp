// When a process that exited on its own is started again, and when Shoal gives up on it.
//
// Back-off: the k-th restart in a row waits min(1 s * 2^(k-1), 60 s), shortened by up to 10 %
// of jitter so that programs that crashed together do not restart in lockstep. A run that
// stayed up at least 10 s counts as healthy: the next failure starts again from 1 s.
// Give-up (like systemd's StartLimitBurst/StartLimitIntervalSec): when more than `max_restarts`
// restarts would fall within `window` seconds, the process goes `fatal` instead.
// Pure arithmetic on injected time and randomness, so it is tested without waiting.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shoal {

enum class restart_mode { no, on_failure, always };

std::string_view to_string(restart_mode m);
std::optional<restart_mode> parse_restart_mode(std::string_view text);

struct restart_settings {
  restart_mode mode = restart_mode::no;
  int max_restarts = 5;  // restarts allowed within `window_seconds`
  double window_seconds = 300;

  bool operator==(const restart_settings&) const = default;
};

inline constexpr double backoff_initial_seconds = 1;
inline constexpr double backoff_cap_seconds = 60;
inline constexpr double backoff_jitter = 0.1;         // up to 10 % shorter
inline constexpr double healthy_uptime_seconds = 10;  // resets the back-off

class restart_tracker {
 public:
  using clock = std::chrono::steady_clock;
  // A number in [0, 1); the default draws from one Mersenne twister shared by every tracker.
  using random_fn = std::function<double()>;

  explicit restart_tracker(restart_settings settings = {}, random_fn random = nullptr);
  restart_tracker(restart_tracker&&) noexcept = default;
  restart_tracker& operator=(restart_tracker&&) noexcept = default;
  ~restart_tracker();

  struct decision {
    enum class kind { none, restart, fatal } what = kind::none;
    double delay_seconds = 0;  // restart: how long to wait first
    int attempt = 0;           // restart: 1 for the first restart in a row, 2, ...
  };

  // A run that started at `started` ended at `now` on its own; `failed` when it exited
  // non-zero or by a signal. Records the restart when it decides on one.
  decision on_exit(clock::time_point started, clock::time_point now, bool failed);

  // Back-off delay for the k-th restart in a row, without jitter.
  static double nominal_delay(int attempt);

  const restart_settings& settings() const { return settings_; }
  int attempt() const { return attempt_; }
  // Restarts counted within the window as of the last decision.
  int recent_restarts() const;

  // The process is done and nothing will restart it on its own (a new start makes a new
  // tracker): lets the restart history go. settings() and attempt() stay.
  void settle();

 private:
  // What only a process that restarts needs, out of line: a tracker is 32 bytes instead of
  // 80, and most records never restart at all.
  struct history {
    random_fn random;  // empty: the shared engine
    // When each restart was decided, oldest first: at most max_restarts.
    std::vector<clock::time_point> recent;
  };
  history& held();

  restart_settings settings_;
  int attempt_ = 0;
  std::unique_ptr<history> history_;  // null until the first restart, or with a random_fn
};

}  // namespace shoal
