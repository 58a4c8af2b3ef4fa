#include "daemon/lock_keeper.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/time_format.hpp"
#include "daemon/log.hpp"
#include "daemon/pidfd.hpp"
#include "shoal/lock_record.hpp"

namespace shoal {
namespace {

using namespace std::chrono_literals;

constexpr auto first_backoff = 1ms;
constexpr auto max_backoff = 8ms;
constexpr auto unowned_grace = std::chrono::nanoseconds(lock_record::unowned_grace_ns);
// After the daemon takes the lock from someone, one more look this much later: a holder that
// was releasing at that instant posts once too often, and that is brought back to one.
constexpr auto settle_check = 100ms;

// A pidfd polls readable once its process has exited, and never before.
bool pidfd_exited(int pidfd) {
  pollfd p{pidfd, POLLIN, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, 0);
  } while (rc < 0 && errno == EINTR);
  return rc > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

}  // namespace

lock_keeper::lock_keeper(asio::io_context& io, named_lock& sem, layout::lock_state& state,
                         std::string what)
    : io_(io),
      sem_(sem),
      state_(state),
      what_(std::move(what)),
      retry_timer_(io),
      check_timer_(io),
      backoff_(first_backoff) {}

lock_keeper::~lock_keeper() {
  *alive_ = false;
  asio::error_code ec;
  retry_timer_.cancel();
  check_timer_.cancel();
  if (watch_) watch_->close(ec);
}

void lock_keeper::start() { observe(); }

void lock_keeper::enqueue(waiter w) {
  if (waiters_.empty() && sem_.try_acquire()) {
    w.granted();
    return;
  }
  // Someone holds it: perhaps a holder nobody has looked at yet, dead already.
  observe();
  if (waiters_.empty() && sem_.try_acquire()) {
    w.granted();
    return;
  }
  if (w.deadline && *w.deadline <= clock::now()) {
    w.expired();
    return;
  }
  if (waiters_.empty()) backoff_ = first_backoff;
  waiters_.push_back(std::move(w));
  arm_retry();
}

bool lock_keeper::held_by(pid_t pid) const {
  return pid != 0 && lock_record::owner(state_) == pid && sem_.held();
}

void lock_keeper::run_locked(waiter w, pid_t owner, pid_t requester) {
  // The holder is waiting for this reply inside its critical section: queueing it behind its
  // own hold would wait for ever.
  if (held_by(owner) || held_by(requester)) {
    w.granted();
    return;
  }
  w.granted = [this, fn = std::move(w.granted)] {
    fn();
    sem_.release();
  };
  enqueue(std::move(w));
}

void lock_keeper::drop_session(std::uint64_t session) {
  std::erase_if(waiters_, [&](const waiter& w) { return w.session == session; });
}

void lock_keeper::pump() {
  auto now = clock::now();
  // Split the queue before calling back, so a callback that enqueues cannot invalidate it.
  std::deque<waiter> expired, waiting;
  for (auto& w : waiters_)
    (w.deadline && *w.deadline <= now ? expired : waiting).push_back(std::move(w));
  waiters_ = std::move(waiting);
  for (auto& w : expired) w.expired();
  while (!waiters_.empty() && sem_.try_acquire()) {
    waiter w = std::move(waiters_.front());
    waiters_.pop_front();
    w.granted();
    backoff_ = first_backoff;
  }
  if (!waiters_.empty()) {
    // Still held while someone waits: this is when a dead holder matters.
    observe();
    backoff_ = std::min<clock::duration>(backoff_ * 2, max_backoff);
    arm_retry();
  }
}

void lock_keeper::arm_retry() {
  auto delay = backoff_;
  auto now = clock::now();
  for (const auto& w : waiters_)
    if (w.deadline)
      delay = std::min<clock::duration>(delay, std::max<clock::duration>(*w.deadline - now, 0ms));
  // A retry already due sooner stands: re-arming on every new waiter would let a steady
  // stream of requests push the retry back for ever.
  auto due = now + delay;
  if (retry_armed_ && retry_due_ <= due) return;
  retry_armed_ = true;
  retry_due_ = due;
  retry_timer_.expires_at(due);
  retry_timer_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](const asio::error_code& ec) {
    if (ec || !alive.lock()) return;
    retry_armed_ = false;
    pump();
  });
}

void lock_keeper::kick() {
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.lock()) pump();
  });
}

bool lock_keeper::hand_to(pid_t owner, int pidfd, bool release_on_exit) {
  bool died = lock_record::note_acquired(state_, owner, lock_record::realtime_ns());
  unowned_.reset();
  watch(owner, pidfd);
  if (watched_ == owner) set_release_on_exit(release_on_exit);
  return died;
}

std::optional<lock_keeper::exit_release> lock_keeper::exit_release_hold() const {
  if (!watched_release_on_exit_ || watched_ == 0) return std::nullopt;
  return exit_release{watched_, lock_record::sequence(state_)};
}

void lock_keeper::set_release_on_exit(bool on) {
  if (watched_release_on_exit_ == on) return;
  watched_release_on_exit_ = on;
  if (!on_exit_release_changed_ || exit_release_change_posted_) return;
  exit_release_change_posted_ = true;
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (!alive.lock()) return;
    exit_release_change_posted_ = false;
    if (on_exit_release_changed_) on_exit_release_changed_();
  });
}

status lock_keeper::release_for(pid_t owner, bool force, pid_t& released) {
  pid_t holder = lock_record::owner(state_);
  released = holder;
  if (!sem_.held()) return {errc::invalid_state, what_ + " is not held"};
  if (!force && holder != owner) {
    std::string by = holder ? "pid " + std::to_string(holder)
                            : std::string("a process that has not recorded its pid");
    return {errc::not_owner, "cannot release " + what_ + " for pid " + std::to_string(owner) +
                                 ": it is held by " + by + " (use force to release it anyway)"};
  }
  if (holder != 0 && !lock_record::clear_owner(state_, holder))
    return {errc::invalid_state, what_ + " changed hands while releasing it; try again"};
  if (watched_ == holder) unwatch();
  unowned_.reset();
  sem_.release();
  if (force && holder != owner) {
    log::warning("{} forcibly released from pid {} by request", what_, holder);
    arm_check(settle_check);
  }
  kick();
  return {};
}

std::uint64_t lock_keeper::since_of_current_hold() {
  if (std::uint64_t since = lock_record::since_ns(state_); since != 0) return since;
  // A holder that records no time: when a check first saw this acquisition, or now.
  if (lock_record::sequence(state_) != seen_sequence_) {
    seen_sequence_ = lock_record::sequence(state_);
    seen_since_ns_ = lock_record::realtime_ns();
  }
  return seen_since_ns_;
}

json lock_keeper::describe_status() {
  observe();
  pid_t holder = lock_record::owner(state_);
  bool held = sem_.held();
  json out{{"held", held}, {"owner", nullptr}, {"since", nullptr}};
  if (held && holder != 0) {
    out["owner"] = holder;
    out["since"] = to_rfc3339(std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(since_of_current_hold()))));
  }
  return out;
}

void lock_keeper::observe() {
  // A holder that releases a lock the daemon already released for it (a forced release that
  // raced a release in place without compare-and-swap, or a holder that stalled past the
  // unowned grace) posts once too often; left alone, two processes could hold the lock.
  if (sem_.normalize())
    log::warning("{} counted more than one free slot; brought it back to one", what_);
  pid_t holder = lock_record::owner(state_);
  if (holder != 0) {
    unowned_.reset();
    since_of_current_hold();
    if (holder != watched_) watch(holder, -1);
    // Exited (a zombie, or its pidfd's event still queued behind this request): act on it
    // now, so that the request does not find the lock held by a process that is gone.
    if (watched_ == holder && watch_ && pidfd_exited(watch_->native_handle())) {
      if (watched_release_on_exit_)
        release_exited(holder);
      else
        recover(holder);
    }
    return;
  }
  if (watched_) unwatch();
  if (!sem_.held()) {
    unowned_.reset();
    return;
  }
  auto now = clock::now();
  auto seq = lock_record::sequence(state_);
  if (!unowned_ || unowned_->sequence != seq) unowned_ = unowned_sighting{now, seq};
  if (now - unowned_->since >= unowned_grace) return recover_unowned();
  // Timed from here: the hold is released a second after the daemon first saw it so, even
  // if nobody asks again.
  arm_check(unowned_->since + unowned_grace - now);
}

void lock_keeper::arm_check(clock::duration delay) {
  auto due = clock::now() + delay;
  if (check_armed_ && check_due_ <= due) return;
  check_armed_ = true;
  check_due_ = due;
  check_timer_.expires_at(due);
  check_timer_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](const asio::error_code& ec) {
    if (ec || !alive.lock()) return;
    check_armed_ = false;
    observe();
    if (!waiters_.empty()) pump();
  });
}

void lock_keeper::watch(pid_t pid, int pidfd) {
  if (watched_ == pid && watch_) {
    if (pidfd >= 0) ::close(pidfd);
    return;
  }
  unwatch();
  // The hold an earlier daemon saved as released by its owner's exit is that still only
  // while the record shows the same acquisition.
  bool resumed =
      resume_ && resume_->owner == pid && resume_->sequence == lock_record::sequence(state_);
  if (resumed) resume_.reset();
  if (pidfd < 0) pidfd = pidfd_open(pid);
  if (pidfd < 0) {
    if (errno == ESRCH && resumed)
      release_exited(pid);
    else if (errno == ESRCH)
      recover(pid);
    else
      log::warning("unable to watch the holder of {}, pid {}: {}", what_, pid,
                   std::strerror(errno));
    return;
  }
  watched_ = pid;
  if (resumed) set_release_on_exit(true);
  watch_.emplace(io_, pidfd);
  await_exit(++watch_generation_, pid);
}

void lock_keeper::await_exit(std::uint64_t generation, pid_t pid) {
  watch_->async_wait(
      asio::posix::stream_descriptor::wait_read,
      [this, alive = std::weak_ptr<bool>(alive_), generation, pid](const asio::error_code& ec) {
        if (ec || !alive.lock() || generation != watch_generation_) return;
        // A completed wait is only a hint: Asio reuses its per-descriptor state,
        // so readiness queued for a descriptor closed earlier in the same batch
        // can complete the wait of a pidfd registered just after. Releasing on
        // that would take the lock from a live holder; the pidfd itself says
        // whether the process is gone.
        if (!pidfd_exited(watch_->native_handle())) return await_exit(generation, pid);
        if (watched_release_on_exit_) return release_exited(pid);
        recover(pid);
      });
}

void lock_keeper::unwatch() {
  ++watch_generation_;
  if (watch_) {
    asio::error_code ec;
    watch_->close(ec);
    watch_.reset();
  }
  watched_ = 0;
  set_release_on_exit(false);
}

void lock_keeper::recover(pid_t dead_owner) {
  unwatch();
  // Only the recorded holder is cleared; if it changed meanwhile, the lock moved on.
  if (!lock_record::clear_owner(state_, dead_owner)) return;
  lock_record::mark_owner_died(state_);
  if (sem_.held()) sem_.release();
  log::warning("lock holder pid {} died holding {}; released it", dead_owner, what_);
  if (on_recovered_) on_recovered_(dead_owner);
  arm_check(settle_check);
  kick();
}

void lock_keeper::release_exited(pid_t owner) {
  unwatch();
  if (!lock_record::clear_owner(state_, owner)) return;
  if (sem_.held()) sem_.release();
  log::info("pid {}, run under {}, ended; released it", owner, what_);
  kick();
}

void lock_keeper::recover_unowned() {
  auto seq = unowned_->sequence;
  unowned_.reset();
  if (!sem_.held()) return;
  // A waiter of the library may be taking it back at the same instant: the claim lets one of
  // us post.
  if (!lock_record::take_back_unowned(state_, seq, ::getpid())) return;
  sem_.release();
  log::warning("{} was held for over {} s by a process that never recorded its pid; released it",
               what_, std::chrono::duration_cast<std::chrono::seconds>(unowned_grace).count());
  if (on_recovered_) on_recovered_(0);
  arm_check(settle_check);
  kick();
}

}  // namespace shoal
