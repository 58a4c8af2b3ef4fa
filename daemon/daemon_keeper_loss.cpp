// The daemon after losing its keeper (docs/restore.md, "Losing the keeper"): the keeper went
// away, or stopped answering. It must not go on behind the daemon's back, so it is ended; a
// new one takes its place for every later start (or, failing that, the daemon spawns and
// reaps by itself); and every run it held is followed to its end, wherever its new parent is.
#include <unistd.h>

#include <algorithm>
#include <set>

#include "daemon/daemon.hpp"
#include "daemon/log.hpp"
#include "daemon/orphans.hpp"

namespace shoal {

void daemon::listen_to_keeper() {
  keeper_->on_exit([this](pid_t pid, int wait_status) { on_keeper_exit(pid, wait_status); });
  keeper_->on_lost(
      [this, link = keeper_.get()](const std::string& why) { keeper_lost(link, why); });
}

void daemon::keeper_lost(keeper_link* link, const std::string& why) {
  if (keeper_.get() != link) return;
  pid_t old_pid = link->pid();
  // Read before it is ended: once it is gone, its children are no longer told apart.
  std::vector<pid_t> unnamed;
  {
    std::set<pid_t> named;
    for (auto [pid, pidfd] : supervisor_->live_pidfds()) named.insert(pid);
    for (pid_t pid : living_children_of(old_pid))
      if (!named.contains(pid)) unnamed.push_back(pid);
  }
  bool ended_here = link->end_process();
  lost_keepers_.push_back(std::move(keeper_));
  // Its exits waiting for a `forget`: nobody is left to tell.
  reaped_unsaved_.clear();

  std::string replaced;
  if (stopping_) {
    host_.use_keeper(nullptr);
    replaced = "shoald is stopping, so no new keeper is started";
  } else if (auto fresh = keeper_link::start_new(io_, state_->path(), state_->logs_path())) {
    keeper_ = std::move(*fresh);
    host_.use_keeper(keeper_.get());
    listen_to_keeper();
    replaced = "started a new keeper (pid " + std::to_string(keeper_->pid()) + ")";
  } else {
    host_.use_keeper(nullptr);
    replaced = "unable to start a new keeper (" + fresh.error().message() +
               "), so shoald starts and reaps the children itself from now on, and they do "
               "not outlive it";
  }
  log::warning(
      "lost the keeper (pid {}): {}; {}; {}; {}", old_pid, why,
      ended_here ? "killed it, so it cannot act behind shoald's back" : "it had ended already",
      replaced, take_over_runs(old_pid, unnamed));
  status_changed();
}

std::string daemon::take_over_runs(pid_t old_keeper, const std::vector<pid_t>& unnamed) {
  if (!orphaned_)
    orphaned_ = std::make_unique<orphaned_runs>(
        io_,
        [this](pid_t pid, int wait_status) {
          if (supervisor_->on_reaped(pid, wait_status)) save_later();
        },
        [this](pid_t pid, const std::string& why) {
          if (supervisor_->on_untraceable(pid, why)) save_later();
        });
  auto own = living_children_of_self();
  std::sort(own.begin(), own.end());
  auto is_own = [&own](pid_t pid) { return std::binary_search(own.begin(), own.end(), pid); };
  std::size_t adopted = 0, elsewhere = 0;
  for (auto [pid, pidfd] : supervisor_->live_pidfds()) {
    (is_own(pid) ? adopted : elsewhere)++;
    orphaned_->watch(pid, pidfd);
  }
  for (pid_t pid : unnamed)
    log::warning(
        "pid {}, a child of the lost keeper (pid {}) that no record names (a start it was "
        "making, or an orphan it held), {}",
        pid, old_keeper,
        is_own(pid) ? "is now an adopted orphan of shoald, killed when it stops"
                    : "went to another parent and is no longer supervised");
  return std::to_string(adopted) +
         " process(es) it held are now shoald's own children until they end, " +
         std::to_string(elsewhere) +
         " went to another parent and are followed through their pidfds; they lose live restore "
         "until they end";
}

}  // namespace shoal
