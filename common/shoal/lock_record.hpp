// Who holds one of Shoal's locks: the record (layout::lock_state) that the named semaphore
// itself cannot keep, in the segment header for the daemon's own lock and in the entry of each
// named lock. One implementation for the daemon and for programs that map the segment, so
// both follow the same protocol (docs/segment-layout.md, "The lock protocol"):
//
//   acquire:  sem_wait, then note_acquired(getpid())  -> sequence+1, since, owner
//             (a holder may store since 0; the daemon then stamps the hold when it sees it)
//   release:  clear_owner(getpid()) succeeded         -> sem_post
//                                      failed          -> someone recovered or forced the lock
//                                                         from us: do not post
//   recovery: the daemon clears a dead owner with clear_owner(dead), sets owner_died, sem_post
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <ctime>

#include "segment_layout.hpp"

namespace shoal::lock_record {

inline std::uint64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

inline std::atomic_ref<std::int32_t> owner_ref(layout::lock_state& s) { return std::atomic_ref(s.owner); }

inline pid_t owner(layout::lock_state& s) { return owner_ref(s).load(std::memory_order_acquire); }
inline std::uint64_t since_ns(layout::lock_state& s) { return std::atomic_ref(s.since_ns).load(); }
inline std::uint64_t sequence(layout::lock_state& s) { return std::atomic_ref(s.sequence).load(); }

// Called right after taking the semaphore. Returns whether the previous holder died holding
// it (and clears that mark, so exactly one acquirer is told).
inline bool note_acquired(layout::lock_state& s, pid_t who) {
  std::atomic_ref(s.sequence).fetch_add(1);
  std::atomic_ref(s.since_ns).store(realtime_ns());
  owner_ref(s).store(who, std::memory_order_release);
  return std::atomic_ref(s.owner_died).exchange(0) != 0;
}

// Clears the owner if it is still `expected`; the caller posts the semaphore only on success.
inline bool clear_owner(layout::lock_state& s, pid_t expected) {
  std::int32_t e = expected;
  return owner_ref(s).compare_exchange_strong(e, 0, std::memory_order_acq_rel);
}

inline void mark_owner_died(layout::lock_state& s) { std::atomic_ref(s.owner_died).store(1); }

}  // namespace shoal::lock_record
