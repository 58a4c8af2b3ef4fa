#include "client/command_runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "client/reply.hpp"

namespace shoal::cli {
namespace {

// The child whose status we will return, for the signal forwarder; 0 when none runs.
volatile sig_atomic_t running_child = 0;
extern "C" void forward_signal(int signo) {
  if (running_child > 0) ::kill(running_child, signo);
}

constexpr int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

// The status of a child that was never let go (it ran nothing): shoal failed, as for lock run.
constexpr int never_ran = exit_failed;

ssize_t read_fully(int fd, void* buf, std::size_t n) {
  ssize_t got;
  do {
    got = ::read(fd, buf, n);
  } while (got < 0 && errno == EINTR);
  return got;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

result<held_command> held_command::start(const std::vector<std::string>& command) {
  // Everything the child needs is built before the fork: it only reads, execs and writes.
  std::vector<char*> argv;
  for (const auto& w : command) argv.push_back(const_cast<char*>(w.c_str()));
  argv.push_back(nullptr);
  int go[2], failed[2];
  if (::pipe2(go, O_CLOEXEC) != 0)
    return status::from_errno(errc::internal, "unable to create a pipe", errno);
  if (::pipe2(failed, O_CLOEXEC) != 0) {
    int e = errno;
    ::close(go[0]);
    ::close(go[1]);
    return status::from_errno(errc::internal, "unable to create a pipe", e);
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    for (int fd : {go[0], go[1], failed[0], failed[1]}) ::close(fd);
    return status::from_errno(errc::internal, "unable to start '" + command[0] + "'", e);
  }
  if (pid == 0) {
    ::close(go[1]);
    ::close(failed[0]);
    char byte = 0;
    // EOF: the verb gave up (the lock was not taken) or died before letting us run.
    if (read_fully(go[0], &byte, 1) != 1) ::_exit(never_ran);
    for (int s : forwarded_signals) ::signal(s, SIG_DFL);
    ::execvp(argv[0], argv.data());
    int e = errno;
    (void)!::write(failed[1], &e, sizeof e);
    ::_exit(e == ENOENT ? 127 : 126);
  }
  ::close(go[0]);
  ::close(failed[1]);
  return held_command(pid, go[1], failed[0], command[0]);
}

held_command::held_command(held_command&& o) noexcept
    : pid_(std::exchange(o.pid_, 0)),
      go_(std::exchange(o.go_, -1)),
      exec_failed_(std::exchange(o.exec_failed_, -1)),
      program_(std::move(o.program_)),
      reaped_(std::exchange(o.reaped_, true)) {}

held_command::~held_command() {
  close_fd(go_);
  close_fd(exec_failed_);
  reap();
}

int held_command::run(output& err) {
  // We stay alive through these signals so that the caller can clean up after the program
  // ends; the program itself gets them.
  struct sigaction sa {};
  sa.sa_handler = forward_signal;
  sigemptyset(&sa.sa_mask);
  running_child = pid_;
  for (int s : forwarded_signals) ::sigaction(s, &sa, nullptr);

  // A program killed while it was held has closed its end: the write then fails with EPIPE
  // (and the status below says how it ended) instead of killing us.
  ::signal(SIGPIPE, SIG_IGN);
  char go = 1;
  ssize_t sent;
  do {
    sent = ::write(go_, &go, 1);
  } while (sent < 0 && errno == EINTR);
  close_fd(go_);
  int exec_errno = 0;
  if (read_fully(exec_failed_, &exec_errno, sizeof exec_errno) ==
      static_cast<ssize_t>(sizeof exec_errno))
    err << "shoal: unable to run '" << program_ << "': " << std::strerror(exec_errno) << "\n";
  close_fd(exec_failed_);

  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
  running_child = 0;
  return info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
}

void held_command::reap() {
  if (reaped_ || pid_ <= 0) return;
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
}

}  // namespace shoal::cli
