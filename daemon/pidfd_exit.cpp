#include "daemon/pidfd_exit.hpp"

#include <cerrno>

namespace shoal {

pidfd_exit read_pidfd_exit(int pidfd) {
  pidfd_info_v0 info{};
  info.mask = PIDFD_INFO_EXIT;
  int rc = 0;
  do rc = ::ioctl(pidfd, pidfd_get_info_request, &info);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) return {pidfd_exit::kind::unavailable, 0, errno};
  // A kernel that knows PIDFD_GET_INFO but not PIDFD_INFO_EXIT (6.13, 6.14) answers about the
  // live process only, and says so by leaving the bit out, as for a process still running:
  // told apart by asking again, up to the caller's patience.
  if ((info.mask & PIDFD_INFO_EXIT) == 0) return {pidfd_exit::kind::not_yet, 0, 0};
  return {pidfd_exit::kind::exited, info.exit_code, 0};
}

}  // namespace shoal
