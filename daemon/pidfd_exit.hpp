// A process's exit status read through its pidfd, by anyone who holds one, not only by its
// parent: PIDFD_GET_INFO with PIDFD_INFO_EXIT (Linux 6.15). The kernel keeps the status with
// the pidfd once the process has been reaped, by whichever process is its parent by then. That
// is how the daemon learns how a child ended after the keeper that was its parent is gone and
// the child went to init (docs/restore.md, "Losing the keeper").
#pragma once

#include <sys/ioctl.h>

#include <cstdint>

namespace shoal {

// The kernel's struct pidfd_info up to exit_code (PIDFD_INFO_SIZE_VER0, 64 bytes), under a
// name of our own: the headers of the distributions we build on lack it, and a newer header
// defining the real one must not collide with it. The ioctl takes any size from 64 bytes on.
struct pidfd_info_v0 {
  std::uint64_t mask;
  std::uint64_t cgroupid;
  std::uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
  std::int32_t exit_code;  // a wait status, as waitpid(2) gives it
};
static_assert(sizeof(pidfd_info_v0) == 64, "PIDFD_INFO_SIZE_VER0");

#ifndef PIDFD_INFO_EXIT
#define PIDFD_INFO_EXIT (1UL << 3)
#endif
inline constexpr unsigned long pidfd_get_info_request = _IOWR(0xFF, 11, pidfd_info_v0);

struct pidfd_exit {
  enum class kind {
    exited,       // wait_status holds how it ended
    not_yet,      // it runs, or has ended and is not reaped yet: ask again later
    unavailable,  // this kernel keeps no exit status for pidfds (before 6.15)
  };
  kind what = kind::unavailable;
  int wait_status = 0;
  int error = 0;  // the ioctl's errno when unavailable
};

pidfd_exit read_pidfd_exit(int pidfd);

}  // namespace shoal
