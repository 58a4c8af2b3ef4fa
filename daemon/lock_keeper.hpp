// Makes the named semaphore a robust lock without ever blocking the daemon's thread, and
// without waking it while nothing happens:
//   - waiters (blocking lock_acquire, value_add/value_cas that find the lock held) queue in
//     FIFO order and are retried on a timer with a small back-off, bounded by their deadline;
//   - the holder recorded in the segment is watched through a pidfd (an event, not a poll)
//     from the moment the daemon hands it the lock or first sees its record: when it dies
//     holding the lock the lock is released, marked "previous owner died", and logged;
//   - a holder that took the lock through the library is seen when it matters: whenever a
//     request finds the lock held (every retry of a waiter, lock_status, lock_list);
//   - a lock held with no recorded holder for over a second (a program that died between
//     taking the semaphore and writing its pid) is released the same way, timed from when the
//     daemon first saw it so.
// Idle, with the lock free or held by a watched holder, no timer is armed. See
// docs/segment-layout.md, "The lock protocol" and "Who finds a dead holder".
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

// After a standard header: Asio picks its allocator from libstdc++'s configuration macros, and
// every translation unit must see the same choice.
#include <asio.hpp>

#include "common/protocol.hpp"
#include "daemon/named_lock.hpp"
#include "shoal/segment_layout.hpp"

namespace shoal {

class lock_keeper {
 public:
  using clock = std::chrono::steady_clock;

  struct waiter {
    std::uint64_t session = 0;                  // dropped when this session closes
    std::optional<clock::time_point> deadline;  // none: wait as long as it takes
    std::function<void()> granted;              // runs holding the semaphore
    std::function<void()> expired;              // runs when the deadline passed first
  };

  // `what` names the lock in messages: "the lock" for the daemon's own, "lock 'L'" for a
  // named one.
  lock_keeper(asio::io_context& io, named_lock& sem, layout::lock_state& state,
              std::string what = "the lock");
  ~lock_keeper();
  lock_keeper(const lock_keeper&) = delete;
  lock_keeper& operator=(const lock_keeper&) = delete;

  // Looks at the lock once (an adopted segment's holder is watched, or released when gone);
  // call once the event loop is about to run.
  void start();

  // Runs w.granted at once when the lock is free and nobody queues before it, w.expired at
  // once when it is held and the deadline has passed, and otherwise queues it.
  void enqueue(waiter w);
  // Like enqueue, but releases the lock as soon as w.granted returns: a short critical
  // section run by the daemon itself (value_add, value_cas). When the recorded holder is
  // `owner` or `requester` (the process a request acts for, and the one that sent it), the
  // section runs at once inside that hold and leaves the lock held: the holder's own update,
  // like an RLock taken again by its owner. Anyone else's waits.
  void run_locked(waiter w, pid_t owner = 0, pid_t requester = 0);
  // Whether the semaphore is held and `pid` (never 0) is its recorded holder.
  bool held_by(pid_t pid) const;
  void drop_session(std::uint64_t session);
  std::size_t waiting() const { return waiters_.size(); }
  bool held() const { return sem_.held(); }

  // Records `owner` as the holder of the semaphore just taken, watching it through `pidfd`
  // (which this takes over). Returns whether the previous holder died holding the lock.
  // With `release_on_exit`, the owner's exit is its release (a program run under the lock):
  // no "previous owner died" for the next holder, no warning.
  bool hand_to(pid_t owner, int pidfd, bool release_on_exit = false);
  // Releases on behalf of `owner` (or whoever holds it, with `force`); `released` gets the
  // pid that held it (0 when unknown).
  status release_for(pid_t owner, bool force, pid_t& released);
  json describe_status();  // looks at the lock first, so a dead holder is never reported
  // CLOCK_REALTIME ns when the current hold began: the holder's since_ns, or for a holder
  // that leaves it 0, when a check (or this call) first saw its acquisition.
  std::uint64_t since_of_current_hold();
  // Told the dead holder's pid (0 when none was recorded) each time the lock is recovered.
  void on_recovered(std::function<void(pid_t)> fn) { on_recovered_ = std::move(fn); }

  // A hold whose owner's exit is its release (hand_to's release_on_exit), named by the owner
  // and the acquisition's sequence number, which no later acquisition repeats. The daemon
  // saves it so that a daemon started after it still treats that exit as a release.
  struct exit_release {
    pid_t owner = 0;
    std::uint64_t sequence = 0;
  };
  std::optional<exit_release> exit_release_hold() const;
  // Before start(): the hold an earlier daemon saved. It applies only while the lock's record
  // still shows that very acquisition.
  void resume_exit_release(exit_release hold) { resume_ = hold; }
  // Told (from the loop, once per turn) whenever exit_release_hold() may have changed.
  void on_exit_release_changed(std::function<void()> fn) {
    on_exit_release_changed_ = std::move(fn);
  }

 private:
  void pump();
  void arm_retry();
  // Reads the record and the semaphore: watches a holder it did not know, releases a lock
  // whose holder is gone, times a hold nobody recorded, brings a double post back to one.
  void observe();
  void arm_check(clock::duration delay);
  void watch(pid_t pid, int pidfd);
  void await_exit(std::uint64_t generation, pid_t pid);
  void unwatch();
  void recover(pid_t dead_owner);
  void release_exited(pid_t owner);
  void recover_unowned();
  void kick();
  void set_release_on_exit(bool on);

  asio::io_context& io_;
  named_lock& sem_;
  layout::lock_state& state_;  // the holder record, in the mapped segment
  std::string what_;
  std::deque<waiter> waiters_;
  asio::steady_timer retry_timer_;
  bool retry_armed_ = false;  // a wait on retry_timer_ is pending, due at retry_due_
  clock::time_point retry_due_;
  // Armed only while a hold with no recorded holder is timed, or just after the daemon took
  // the lock from someone (to catch the double post of a holder that released meanwhile).
  asio::steady_timer check_timer_;
  bool check_armed_ = false;
  clock::time_point check_due_;
  clock::duration backoff_;
  // The holder being watched, and the pidfd that becomes readable when it exits.
  pid_t watched_ = 0;
  bool watched_release_on_exit_ = false;  // its exit is a release, not a death (hand_to)
  std::optional<exit_release> resume_;    // saved by an earlier daemon, until first watched
  std::function<void()> on_exit_release_changed_;
  bool exit_release_change_posted_ = false;
  std::optional<asio::posix::stream_descriptor> watch_;
  std::uint64_t watch_generation_ = 0;
  // The acquisition (by its sequence) that the daemon last saw held, and when: the time a
  // holder that records no since_ns (Python's) is reported with.
  std::uint64_t seen_sequence_ = 0;
  std::uint64_t seen_since_ns_ = 0;
  // "held, nobody recorded" first seen at `since`, with the acquisition sequence then.
  struct unowned_sighting {
    clock::time_point since;
    std::uint64_t sequence;
  };
  std::optional<unowned_sighting> unowned_;
  // Handlers still queued in the io_context check this before touching `this`.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::function<void(pid_t)> on_recovered_;
};

}  // namespace shoal
