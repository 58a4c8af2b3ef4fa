// The keeper as a process: found in the state directory or started (keeper_link::open), started
// afresh after the daemon lost the one it had (start_new), and ended when it can no longer be
// trusted (end_process). Talking to it is keeper_link.cpp's.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/descriptor_limit.hpp"
#include "daemon/keeper.hpp"
#include "daemon/keeper_link.hpp"
#include "daemon/log.hpp"
#include "daemon/pidfd.hpp"

extern char** environ;

namespace shoal {
namespace {

// waitid's P_PIDFD (Linux 5.4), which glibc 2.36's idtype_t lacks.
constexpr int wait_by_pidfd = 3;

// sun_path holds 107 bytes; a longer state directory is reached through its descriptor.
result<sockaddr_un> keeper_address(const std::string& state_dir, unique_fd& dir_holder) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = state_dir + "/" + keeper_socket_name;
  if (path.size() >= sizeof addr.sun_path) {
    dir_holder.reset(::open(state_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir_holder)
      return status::from_errno(errc::internal, "unable to open '" + state_dir + "'", errno);
    path = "/proc/self/fd/" + std::to_string(dir_holder.get()) + "/" + keeper_socket_name;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

unique_fd connect_to(const sockaddr_un& addr) {
  unique_fd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd) return fd;
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
    return unique_fd();
  return fd;
}

// The keeper runs in its own session, so signals meant for the daemon's terminal or group
// (Ctrl-C) never reach it.
status start_keeper(const sockaddr_un& addr, const std::string& log_dir) {
  unique_fd listener(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!listener) return status::from_errno(errc::internal, "unable to make a socket", errno);
  ::unlink(addr.sun_path);  // a dead keeper's: the instance lock says no live one uses it
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener.get(), 4) != 0)
    return status::from_errno(
        errc::internal, std::string("unable to listen on '") + addr.sun_path + "' for the keeper",
        errno);
  // Never 3 itself: dup2 onto the same number would leave it close-on-exec.
  unique_fd high(::fcntl(listener.get(), F_DUPFD_CLOEXEC, 10));
  if (!high) return status::from_errno(errc::internal, "unable to duplicate a socket", errno);

  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_init(&actions);
  sigset_t empty, all;
  sigemptyset(&empty);
  std::memset(&all, 0xff, sizeof all);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  // It writes nothing to stdout; stderr stays the daemon's, for its few log lines.
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, high.get(), keeper_listen_fd);
  posix_spawn_file_actions_addclosefrom_np(&actions, keeper_listen_fd + 1);
  std::string exe = "/proc/self/exe";
  std::string flag = keeper_flag;
  std::string name = "shoald";
  char* argv[] = {name.data(), flag.data(), const_cast<char*>(log_dir.c_str()), nullptr};
  pid_t pid = -1;
  int rc = 0;
  {
    // It remembers the limit it starts with as the one to give the children.
    started_descriptor_limit_scope children_limit;
    rc = ::posix_spawn(&pid, exe.c_str(), &actions, &attr, argv, environ);
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return status::from_errno(errc::internal, "unable to start the keeper", rc);
  log::info("started the keeper (pid {})", pid);
  return {};
}

}  // namespace

result<std::unique_ptr<keeper_link>> keeper_link::open(asio::io_context& io,
                                                       const std::string& state_dir,
                                                       const std::string& log_dir) {
  return attach(io, state_dir, log_dir, true);
}

result<std::unique_ptr<keeper_link>> keeper_link::start_new(asio::io_context& io,
                                                            const std::string& state_dir,
                                                            const std::string& log_dir) {
  return attach(io, state_dir, log_dir, false);
}

result<std::unique_ptr<keeper_link>> keeper_link::attach(asio::io_context& io,
                                                         const std::string& state_dir,
                                                         const std::string& log_dir,
                                                         bool find_first) {
  unique_fd dir_holder;
  auto addr = keeper_address(state_dir, dir_holder);
  if (!addr) return addr.error();
  bool started = false;
  unique_fd sock = find_first ? connect_to(*addr) : unique_fd();
  if (!sock) {
    if (auto st = start_keeper(*addr, log_dir); !st) return st;
    started = true;
    sock = connect_to(*addr);
    if (!sock)
      return status::from_errno(errc::internal, "unable to reach the keeper just started", errno);
  }
  auto link = std::make_unique<keeper_link>(token{}, io, std::move(sock), started);
  if (auto st = link->hello(); !st) {
    if (started) return st;
    // A keeper told to quit by the daemon before us may still have accepted the connection
    // on its way out: once it has gone, a new one is started.
    link.reset();
    for (int round = 0; round < 50; ++round) {
      unique_fd again = connect_to(*addr);
      if (!again) break;
      ::usleep(20000);
    }
    if (auto started_now = start_keeper(*addr, log_dir); !started_now) return started_now;
    unique_fd fresh = connect_to(*addr);
    if (!fresh)
      return status::from_errno(errc::internal, "unable to reach the keeper just started", errno);
    link = std::make_unique<keeper_link>(token{}, io, std::move(fresh), true);
    if (auto again = link->hello(); !again) return again;
  }
  return link;
}

void keeper_link::hold_process(pid_t pid) {
  keeper_pid_ = pid;
  // Opened while it answers, so the pidfd names this keeper and no process that reuses its pid.
  keeper_pidfd_.reset(pidfd_open(pid));
}

bool keeper_link::end_process() {
  if (!keeper_pidfd_) return false;
  pollfd p{keeper_pidfd_.get(), POLLIN, 0};
  bool was_running = ::poll(&p, 1, 0) == 0;
  if (was_running) {
    pidfd_send_signal(keeper_pidfd_.get(), SIGKILL);
    // Bounded: its children are reparented only once it is gone, and the new keeper must not
    // be started while the old one could still spawn. SIGKILL ends even one stopped or inside
    // posix_spawn, in a few milliseconds.
    ::poll(&p, 1, 2000);
  }
  if (started_here_) {
    // Ours to reap; the SIGCHLD reaper would otherwise take it for an orphan.
    siginfo_t info{};
    ::waitid(static_cast<idtype_t>(wait_by_pidfd), static_cast<id_t>(keeper_pidfd_.get()), &info,
             WEXITED | WNOHANG);
  }
  keeper_pidfd_.reset();
  return was_running;
}

}  // namespace shoal
