// How a child ended, read through its pidfd (PIDFD_INFO_EXIT): nothing while it runs or is a
// zombie, its exact wait status once reaped. A kernel before 6.15 keeps no such status: the
// daemon then marks the record lost, so these checks only run where the kernel has it.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/unique_fd.hpp"
#include "daemon/pidfd.hpp"
#include "daemon/pidfd_exit.hpp"

using namespace shoal;

namespace {

bool kernel_keeps_exit_status() {
  unique_fd self(pidfd_open(::getpid()));
  return self && read_pidfd_exit(self.get()).what != pidfd_exit::kind::unavailable;
}

// A child blocked on a pipe until `release` is closed, then ending as `end` says.
pid_t child_until_released(int& release, int end) {
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    char c;
    ::close(fds[1]);
    while (::read(fds[0], &c, 1) < 0) {
    }
    if (end < 0) ::raise(-end);
    ::_exit(end);
  }
  ::close(fds[0]);
  release = fds[1];
  return pid;
}

}  // namespace

TEST_CASE("a pidfd tells nothing while its process runs or is unreaped, then how it ended") {
  if (!kernel_keeps_exit_status()) return;
  int release = -1;
  pid_t pid = child_until_released(release, 7);
  unique_fd pidfd(pidfd_open(pid));
  REQUIRE(pidfd);
  CHECK(read_pidfd_exit(pidfd.get()).what == pidfd_exit::kind::not_yet);
  ::close(release);
  siginfo_t info{};
  REQUIRE(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) == 0);
  CHECK(read_pidfd_exit(pidfd.get()).what == pidfd_exit::kind::not_yet);  // a zombie
  int wait_status = 0;
  REQUIRE(::waitpid(pid, &wait_status, 0) == pid);
  auto got = read_pidfd_exit(pidfd.get());
  REQUIRE(got.what == pidfd_exit::kind::exited);
  CHECK(got.wait_status == wait_status);
  CHECK(WIFEXITED(got.wait_status));
  CHECK(WEXITSTATUS(got.wait_status) == 7);
}

TEST_CASE("a pidfd tells the signal that killed its process") {
  if (!kernel_keeps_exit_status()) return;
  int release = -1;
  pid_t pid = child_until_released(release, -SIGKILL);
  unique_fd pidfd(pidfd_open(pid));
  REQUIRE(pidfd);
  ::close(release);
  int wait_status = 0;
  REQUIRE(::waitpid(pid, &wait_status, 0) == pid);
  auto got = read_pidfd_exit(pidfd.get());
  REQUIRE(got.what == pidfd_exit::kind::exited);
  CHECK(WIFSIGNALED(got.wait_status));
  CHECK(WTERMSIG(got.wait_status) == SIGKILL);
}
