// A process host that starts nothing and a clock that moves only when told: with them a unit
// test drives the supervisor through exits, back-off, give-up and SIGKILL escalation by calling
// on_reaped() and advance(), with no process and no waiting.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "daemon/process_host.hpp"
#include "daemon/process_spec.hpp"
#include "daemon/timers.hpp"
#include "unit/temp_dir.hpp"

namespace shoal::testing {

struct fake_host final : process_host {
  struct signal_sent {
    pid_t pid;  // the group's leader, or -1 when sent through a pidfd
    int signo;
    bool operator==(const signal_sent&) const = default;
  };

  std::vector<spawn_request> spawned;
  std::vector<signal_sent> signals;
  std::vector<pid_t> orphans;  // living_children() adds these to the records'
  std::vector<std::pair<pid_t, int>> orphan_signals;
  bool fail_spawns = false;
  // Far above any pid_max, so a fake pid can never name a real process.
  pid_t next_pid = 1 << 30;

  result<spawned_child> spawn(const spawn_request& request,
                              const std::function<void()>& meanwhile) override {
    meanwhile();
    if (fail_spawns)
      return status{errc::spawn_failed, request.argv[0] + ": No such file or directory"};
    spawned.push_back(request);
    spawned_child child;
    child.pid = next_pid++;
    return child;
  }
  int signal_group(pid_t pid, int signo) override {
    signals.push_back({pid, signo});
    return 0;
  }
  int signal_process(int, int signo) override {
    signals.push_back({-1, signo});
    return 0;
  }
  std::vector<pid_t> living_children() override { return orphans; }
  void signal_orphan(pid_t pid, int signo) override { orphan_signals.emplace_back(pid, signo); }

  pid_t last_pid() const { return next_pid - 1; }
  // Signals sent to the group of `pid`, in order.
  std::vector<int> group_signals(pid_t pid) const {
    std::vector<int> out;
    for (const auto& s : signals)
      if (s.pid == pid) out.push_back(s.signo);
    return out;
  }
};

class manual_timers final : public timer_service {
 public:
  steady_clock::time_point now() const override { return now_; }
  system_clock::time_point wall_now() const override {
    return system_clock::time_point(std::chrono::duration_cast<system_clock::duration>(
        now_.time_since_epoch() + std::chrono::hours(24 * 365 * 50)));
  }
  id call_at(steady_clock::time_point when, std::function<void()> fn) override {
    id timer = next_++;
    due_.emplace(timer, std::make_pair(when, std::move(fn)));
    return timer;
  }
  void cancel(id timer) override { due_.erase(timer); }
  void post(std::function<void()> fn) override { posted_.push_back(std::move(fn)); }

  // Moves time forward by `d`, firing every timer that falls due on the way, in order, each at
  // its own time; then runs what was posted.
  void advance(std::chrono::duration<double> d) {
    auto target = now_ + std::chrono::duration_cast<steady_clock::duration>(d);
    for (;;) {
      auto next = due_.end();
      for (auto it = due_.begin(); it != due_.end(); ++it)
        if (it->second.first <= target &&
            (next == due_.end() || it->second.first < next->second.first))
          next = it;
      if (next == due_.end()) break;
      now_ = std::max(now_, next->second.first);
      auto fn = std::move(next->second.second);
      due_.erase(next);
      fn();
    }
    now_ = target;
    run_posted();
  }
  void run_posted() {
    while (!posted_.empty()) {
      auto fn = std::move(posted_.front());
      posted_.erase(posted_.begin());
      fn();
    }
  }
  std::size_t pending() const { return due_.size(); }

 private:
  steady_clock::time_point now_ = steady_clock::time_point(std::chrono::hours(1));
  id next_ = 1;
  std::map<id, std::pair<steady_clock::time_point, std::function<void()>>> due_;
  std::vector<std::function<void()>> posted_;
};

// A spec that runs argv, every other setting at its default.
inline process_spec command(std::vector<std::string> argv) {
  process_spec spec;
  spec.argv = std::move(argv);
  return spec;
}

}  // namespace shoal::testing
