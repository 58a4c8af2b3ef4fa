#include "daemon/restart_policy.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace shoal {

std::string_view to_string(restart_mode m) {
  switch (m) {
    case restart_mode::no:
      return "no";
    case restart_mode::on_failure:
      return "on-failure";
    case restart_mode::always:
      return "always";
  }
  return "no";
}

std::optional<restart_mode> parse_restart_mode(std::string_view text) {
  if (text == "no") return restart_mode::no;
  if (text == "on-failure") return restart_mode::on_failure;
  if (text == "always") return restart_mode::always;
  return std::nullopt;
}

namespace {

// One engine for every tracker: the jitter only has to differ between restarts, and an engine
// per record (2.5 KB of state) was most of what an exited record cost.
double shared_random() {
  static std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace

restart_tracker::restart_tracker(restart_settings settings, random_fn random)
    : settings_(settings) {
  if (random) held().random = std::move(random);
}

restart_tracker::~restart_tracker() = default;

restart_tracker::history& restart_tracker::held() {
  if (!history_) history_ = std::make_unique<history>();
  return *history_;
}

int restart_tracker::recent_restarts() const {
  return history_ ? static_cast<int>(history_->recent.size()) : 0;
}

void restart_tracker::settle() { history_.reset(); }

double restart_tracker::nominal_delay(int attempt) {
  if (attempt < 1) attempt = 1;
  // 2^6 = 64 already exceeds the cap; avoid computing huge powers.
  if (attempt > 7) return backoff_cap_seconds;
  return std::min(backoff_initial_seconds * (1 << (attempt - 1)), backoff_cap_seconds);
}

restart_tracker::decision restart_tracker::on_exit(clock::time_point started, clock::time_point now,
                                                   bool failed) {
  decision d;
  if (settings_.mode == restart_mode::no) return d;
  if (settings_.mode == restart_mode::on_failure && !failed) return d;

  std::chrono::duration<double> uptime = now - started;
  if (uptime.count() >= healthy_uptime_seconds) attempt_ = 0;

  auto window = std::chrono::duration_cast<clock::duration>(
      std::chrono::duration<double>(settings_.window_seconds));
  auto& recent = held().recent;
  auto in_window = std::find_if(recent.begin(), recent.end(),
                                [&](clock::time_point at) { return now - at < window; });
  recent.erase(recent.begin(), in_window);
  if (static_cast<int>(recent.size()) >= settings_.max_restarts) {
    d.what = decision::kind::fatal;
    d.attempt = attempt_;
    return d;
  }
  recent.push_back(now);
  ++attempt_;
  double nominal = nominal_delay(attempt_);
  double u = std::clamp(history_->random ? history_->random() : shared_random(), 0.0, 1.0);
  d.what = decision::kind::restart;
  d.attempt = attempt_;
  d.delay_seconds = nominal * (1.0 - backoff_jitter * u);
  return d;
}

}  // namespace shoal
