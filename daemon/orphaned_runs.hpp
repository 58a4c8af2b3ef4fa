// The runs a lost keeper left behind, watched until each has ended (docs/restore.md, "Losing
// the keeper"). A run the daemon became the parent of is reaped by the SIGCHLD reaper as any
// child; one that went to init (or another subreaper) is reaped there, and its pidfd, which
// the daemon holds, tells when and, since Linux 6.15, how (pidfd_exit.hpp). Where it cannot
// tell how, the run is untraceable: its record ends as lost rather than waiting for a report
// that nobody will send.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

namespace shoal {

class orphaned_runs {
 public:
  using ended_fn = std::function<void(pid_t, int wait_status)>;
  using untraceable_fn = std::function<void(pid_t, const std::string& why)>;

  orphaned_runs(asio::io_context& io, ended_fn ended, untraceable_fn untraceable);
  ~orphaned_runs();
  orphaned_runs(const orphaned_runs&) = delete;
  orphaned_runs& operator=(const orphaned_runs&) = delete;

  // Watches `pid` through a duplicate of `pidfd` (which stays the caller's) until it ends;
  // `ended` or `untraceable` is called once, unless the daemon reaps it itself.
  void watch(pid_t pid, int pidfd);
  std::size_t size() const { return watched_.size(); }

 private:
  struct run;
  void arm(run& r);
  void check(pid_t pid);

  asio::io_context& io_;
  ended_fn ended_;
  untraceable_fn untraceable_;
  std::map<pid_t, std::unique_ptr<run>> watched_;
};

}  // namespace shoal
