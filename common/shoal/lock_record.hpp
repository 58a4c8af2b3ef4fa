// Who holds one of Shoal's locks: the record (layout::lock_state) that the named semaphore
// itself cannot keep, in the segment header for the daemon's own lock and in the entry of each
// named lock. One implementation for the daemon and for programs that map the segment, so
// both follow the same protocol (docs/segment-layout.md, "The lock protocol"):
//
//   acquire:  sem_wait, then note_acquired(getpid())  -> sequence+1, since, owner
//             (a program's holder stores since 0; the daemon stamps the hold when it sees it)
//   release:  clear_owner(getpid()) succeeded         -> sem_post
//                                      failed          -> someone recovered or forced the lock
//                                                         from us: do not post
//   recovery: whoever finds the owner dead (the daemon, or a waiter whose wait ran a slice)
//             clears it with clear_owner(dead), sets owner_died, sem_post; the compare-and-swap
//             lets exactly one of them post
#pragma once

#include <poll.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <ctime>

#include "segment_layout.hpp"

namespace shoal::lock_record {

inline std::uint64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

inline std::atomic_ref<std::int32_t> owner_ref(layout::lock_state& s) {
  return std::atomic_ref(s.owner);
}

inline pid_t owner(layout::lock_state& s) { return owner_ref(s).load(std::memory_order_acquire); }
inline std::uint64_t since_ns(layout::lock_state& s) { return std::atomic_ref(s.since_ns).load(); }
inline std::uint64_t sequence(layout::lock_state& s) { return std::atomic_ref(s.sequence).load(); }

// Called right after taking the semaphore. Returns whether the previous holder died holding
// it (and clears that mark, so exactly one acquirer is told). `since` is the hold's start in
// CLOCK_REALTIME nanoseconds, or 0 to have the daemon stamp it when it first sees the hold:
// a program's holder passes 0, because on the contended path every instruction between
// sem_wait and sem_post is paid twice, once by each side.
inline bool note_acquired(layout::lock_state& s, pid_t who, std::uint64_t since = 0) {
  // Only a holder of the semaphore writes `sequence`, so a load and a store are enough; a
  // locked read-modify-write would cost as much as the semaphore itself.
  std::atomic_ref seq(s.sequence);
  seq.store(seq.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  std::atomic_ref(s.since_ns).store(since, std::memory_order_relaxed);
  owner_ref(s).store(who, std::memory_order_release);
  // The mark is set before the sem_post that let us in, so a plain load sees it; the exchange
  // that clears it is needed only then.
  std::atomic_ref died(s.owner_died);
  return died.load(std::memory_order_acquire) != 0 && died.exchange(0) != 0;
}

// Clears the owner if it is still `expected`; the caller posts the semaphore only on success.
inline bool clear_owner(layout::lock_state& s, pid_t expected) {
  std::int32_t e = expected;
  return owner_ref(s).compare_exchange_strong(e, 0, std::memory_order_acq_rel);
}

inline void mark_owner_died(layout::lock_state& s) { std::atomic_ref(s.owner_died).store(1); }

inline std::uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

// Whether process `pid` has ended, a zombie included. Unknown (no pidfd_open) counts as alive:
// a waiter then goes on waiting, which is what it did before it looked.
inline bool process_gone(pid_t pid) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;
  pollfd p{fd, POLLIN, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, 0);
  } while (rc < 0 && errno == EINTR);
  ::close(fd);
  return rc > 0;
}

// How long a waiter waits on the semaphore before it looks at the holder, and how long a hold
// with no recorded holder lasts before a waiter takes it back (the daemon's grace too).
inline constexpr std::uint64_t waiter_slice_ns = 200'000'000;
inline constexpr std::uint64_t unowned_grace_ns = 1'000'000'000;

// What one waiter saw of a hold that had no recorded holder: the acquisition and when.
struct unowned_sighting {
  std::uint64_t sequence = 0;
  std::uint64_t since_ns = 0;  // CLOCK_MONOTONIC; 0 = nothing seen
};

// Takes back a hold that never got a recorded holder (still acquisition `seq`), for whoever
// found it so for over unowned_grace_ns: the daemon or a waiter. It first claims the record
// with its own pid `self`, so that one of them alone takes it back; a taker that was only slow
// writes its pid over the claim and keeps the lock. True when the caller must sem_post.
inline bool take_back_unowned(layout::lock_state& s, std::uint64_t seq, pid_t self) {
  std::int32_t none = 0;
  if (!owner_ref(s).compare_exchange_strong(none, self, std::memory_order_acq_rel)) return false;
  if (sequence(s) != seq) {  // a taker arrived meanwhile: leave the record to it
    clear_owner(s, self);
    return false;
  }
  mark_owner_died(s);
  return clear_owner(s, self);
}

// Called by a waiter (not the daemon) whose wait on a held semaphore ran a slice out, so that a
// dead holder's lock is recovered with no daemon running or looking. True when the caller took
// the lock back from a holder that is gone, and must sem_post it (then wait again as usual;
// whoever gets it is told owner_died).
//   - a recorded holder that has ended: clear_owner(dead) decides who posts;
//   - no recorded holder, the same acquisition for over unowned_grace_ns (its taker died
//     between sem_wait and writing its pid): take_back_unowned.
inline bool take_back_abandoned(layout::lock_state& s, bool semaphore_held, unowned_sighting& seen,
                                pid_t self) {
  pid_t holder = owner(s);
  if (holder != 0) {
    seen = {};
    if (!process_gone(holder) || !clear_owner(s, holder)) return false;
    mark_owner_died(s);
    return true;
  }
  if (!semaphore_held) {
    seen = {};
    return false;
  }
  std::uint64_t seq = sequence(s), now = monotonic_ns();
  if (seen.since_ns == 0 || seen.sequence != seq) {
    seen = {seq, now};
    return false;
  }
  if (now - seen.since_ns < unowned_grace_ns) return false;
  seen = {};
  return take_back_unowned(s, seq, self);
}

}  // namespace shoal::lock_record
