#include "daemon/orphaned_runs.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <utility>

#include "common/unique_fd.hpp"
#include "daemon/pidfd_exit.hpp"

namespace shoal {
namespace {

// Between the pidfd's "it has ended" and the status: the time its new parent takes to reap it.
// Init reaps at once; a parent that never does leaves the run untraceable after this.
constexpr auto reap_patience = std::chrono::seconds(2);
constexpr auto retry_every = std::chrono::milliseconds(20);

}  // namespace

struct orphaned_runs::run {
  run(asio::io_context& io, pid_t p, int fd) : pid(p), pidfd(io, fd), retry(io) {}
  pid_t pid;
  asio::posix::stream_descriptor pidfd;
  asio::steady_timer retry;
  std::chrono::steady_clock::time_point ended_at{};
};

orphaned_runs::orphaned_runs(asio::io_context& io, ended_fn ended, untraceable_fn untraceable)
    : io_(io), ended_(std::move(ended)), untraceable_(std::move(untraceable)) {}

orphaned_runs::~orphaned_runs() = default;

void orphaned_runs::watch(pid_t pid, int pidfd) {
  if (pidfd < 0) {
    untraceable_(pid,
                 "its keeper was lost and the daemon holds no pidfd for it; its exit "
                 "status is unknown");
    return;
  }
  unique_fd copy(::fcntl(pidfd, F_DUPFD_CLOEXEC, 0));
  if (!copy) {
    untraceable_(pid,
                 "its keeper was lost and its pidfd could not be duplicated; its exit "
                 "status is unknown");
    return;
  }
  auto r = std::make_unique<run>(io_, pid, copy.release());
  run& watched = *r;
  watched_[pid] = std::move(r);
  arm(watched);
}

void orphaned_runs::arm(run& r) {
  r.pidfd.async_wait(asio::posix::stream_descriptor::wait_read,
                     [this, pid = r.pid](const std::error_code& ec) {
                       if (!ec) check(pid);
                     });
}

void orphaned_runs::check(pid_t pid) {
  auto it = watched_.find(pid);
  if (it == watched_.end()) return;
  run& r = *it->second;
  // Still the daemon's child (its keeper was the daemon's): the SIGCHLD reaper reports it.
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
    watched_.erase(it);
    return;
  }
  pidfd_exit got = read_pidfd_exit(r.pidfd.native_handle());
  auto now = std::chrono::steady_clock::now();
  if (got.what == pidfd_exit::kind::not_yet) {
    if (r.ended_at == std::chrono::steady_clock::time_point{}) r.ended_at = now;
    if (now - r.ended_at < reap_patience) {
      r.retry.expires_after(retry_every);
      r.retry.async_wait([this, pid](const std::error_code& ec) {
        if (!ec) check(pid);
      });
      return;
    }
  }
  auto ended = std::move(it->second);
  watched_.erase(it);
  if (got.what == pidfd_exit::kind::exited) {
    ended_(pid, got.wait_status);
  } else if (got.what == pidfd_exit::kind::unavailable) {
    untraceable_(pid,
                 "its keeper was lost and this kernel keeps no exit status for it "
                 "(PIDFD_INFO_EXIT, Linux 6.15); its exit status is unknown");
  } else {
    untraceable_(pid,
                 "its keeper was lost and its new parent did not reap it; its exit status "
                 "is unknown");
  }
}

}  // namespace shoal
