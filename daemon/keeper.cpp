#include "daemon/keeper.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/log_limits.hpp"
#include "daemon/descriptor_limit.hpp"
#include "daemon/fd_passing.hpp"
#include "daemon/keeper_protocol.hpp"
#include "daemon/log_directory.hpp"
#include "daemon/proc_stats.hpp"
#include "daemon/rotating_log.hpp"
#include "daemon/short_slice.hpp"
#include "daemon/spawner.hpp"

namespace shoal {
namespace {

void say(const char* fmt, const std::string& a, long b = 0) {
  std::fprintf(stderr, "shoald keeper: ");
  std::fprintf(stderr, fmt, a.c_str(), b);
  std::fputc('\n', stderr);
}

// No pidfd: every descriptor the keeper holds is copied into each child it spawns, and closed
// there, one cache miss after another (posix_spawn's fork of the descriptor table, then
// close_range). Holding one per child made the 10,000th start cost 3 ms. Its parent can open a
// pidfd whenever it needs one: the pid is its own until reaped.
struct kept_child {
  pid_t pid = -1;
  std::uint64_t ticks = 0;
  bool exited = false;
  int wait_status = 0;
  bool stopping = false;  // kill the group before reaping: the zombie still pins its id
  std::string name;
  unique_fd pipe[2];  // copies of the stdout and stderr read ends
  // NAME.out and NAME.err, open only while no daemon is attached, rotated as the daemon
  // would (the limits it sent; never, until it sends them).
  std::unique_ptr<rotating_log> file[2];
  log_limits limits{0, 0};
};

class keeper {
 public:
  explicit keeper(std::shared_ptr<const log_directory> log_dir) : log_dir_(std::move(log_dir)) {}
  int run();

 private:
  // The child with this pid, the live one if a pid reused before the daemon's `forget` names
  // two. Constant time: at 10,000 children a walk per message made a shutdown quadratic.
  kept_child* find(pid_t pid);
  void forget(pid_t pid);
  // Reaps `pid` if it has exited: its group killed first if it was being stopped, then told.
  // False if it had not exited or could not be reaped.
  bool collect(pid_t pid);
  // The children the SIGCHLDs read name, reaped by pid at once; then a scan for those whose
  // signals merged, at once or when scan_interval() allows.
  void reap(const std::vector<pid_t>& named);
  // Every exited child, by asking the kernel for any, which walks every child to answer.
  void scan();
  // A scan per exit made a shutdown quadratic: at 10,000 children the scans cost the keeper
  // more than the rest of its work. So one waits until a microsecond per child (20 ms at
  // most) has passed since the last; only an exit whose signal merged with another's waits.
  std::chrono::steady_clock::duration scan_interval() const;
  // Milliseconds until a scan put off is due; -1 if none is.
  int scan_timeout() const;
  void accept_daemon();
  void detach(const char* why);
  void serve_daemon();
  void send(const keeper_header& h, const std::string& body = {}, const int* fds = nullptr,
            std::size_t nfds = 0);
  void on_hello();
  void on_spawn(const keeper_header& h, const char* body, std::size_t len,
                std::vector<unique_fd>& fds);
  void signal_orphan(pid_t pid, int signo);
  // While detached: reads what a pipe holds now into its log file; false at end of file.
  bool copy_out(kept_child& c, int i);

  std::shared_ptr<const log_directory> log_dir_;
  unique_fd daemon_;
  unique_fd signals_;
  // In spawn order, which a daemon that attaches is told them in; the index points into it.
  std::list<kept_child> children_;
  std::unordered_multimap<pid_t, std::list<kept_child>::iterator> by_pid_;
  std::chrono::steady_clock::time_point last_scan_{};
  bool scan_due_ = false;
  posix_spawner spawner_;
  // Uninitialised (keeper_link.hpp says why).
  static constexpr std::size_t buf_size_ = keeper_max_message + sizeof(keeper_header);
  std::unique_ptr<char[]> buf_{new char[buf_size_]};
  bool quit_ = false;
};

kept_child* keeper::find(pid_t pid) {
  auto [first, last] = by_pid_.equal_range(pid);
  kept_child* found = nullptr;
  for (auto it = first; it != last; ++it)
    if (!found || !it->second->exited) found = &*it->second;
  return found;
}

void keeper::forget(pid_t pid) {
  auto [first, last] = by_pid_.equal_range(pid);
  for (auto it = first; it != last; ++it)
    if (it->second->exited) {
      children_.erase(it->second);
      by_pid_.erase(it);
      return;
    }
}

void keeper::send(const keeper_header& h, const std::string& body, const int* fds,
                  std::size_t nfds) {
  if (!daemon_) return;
  int err = send_packet(daemon_.get(), &h, sizeof h, body.data(), body.size(), fds, nfds);
  if (err != 0) detach(std::strerror(err));
}

bool keeper::collect(pid_t pid) {
  kept_child* c = find(pid);
  if (c && c->stopping) ::kill(-pid, SIGKILL);
  int wait_status = 0;
  pid_t got;
  do got = ::waitpid(pid, &wait_status, WNOHANG);
  while (got < 0 && errno == EINTR);
  if (got != pid) return false;
  if (c) {
    c->exited = true;
    c->wait_status = wait_status;
    send({keeper_op::exited, pid, wait_status});
  }
  return true;
}

void keeper::reap(const std::vector<pid_t>& named) {
  for (pid_t pid : named) {
    siginfo_t info{};
    // WNOWAIT: the group of a stopped child is killed while its leader still pins the id.
    if (pid > 0 &&
        ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid)
      (void)collect(pid);
  }
  scan_due_ = true;
  if (std::chrono::steady_clock::now() - last_scan_ >= scan_interval()) scan();
}

void keeper::scan() {
  scan_due_ = false;
  last_scan_ = std::chrono::steady_clock::now();
  // Children of ours and adopted orphans alike, until nothing is left to reap.
  for (int round = 0; round < 100000; ++round) {
    siginfo_t info{};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (info.si_pid == 0 || !collect(info.si_pid)) return;
  }
}

std::chrono::steady_clock::duration keeper::scan_interval() const {
  return std::min<std::chrono::steady_clock::duration>(std::chrono::microseconds(children_.size()),
                                                       std::chrono::milliseconds(20));
}

int keeper::scan_timeout() const {
  if (!scan_due_) return -1;
  auto left = last_scan_ + scan_interval() - std::chrono::steady_clock::now();
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return static_cast<int>(std::clamp<decltype(ms)>(ms, 0, 20));
}

void keeper::accept_daemon() {
  unique_fd conn(::accept4(keeper_listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
  if (!conn) return;
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(conn.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
      (cred.uid != ::geteuid() && cred.uid != 0))
    return;  // only our own user's daemon (or root) may take the children
  if (daemon_) {
    say("refused a second daemon (pid %s) while one is attached", std::to_string(cred.pid));
    return;
  }
  daemon_ = std::move(conn);
}

void keeper::detach(const char* why) {
  if (!daemon_) return;
  daemon_.reset();
  say("daemon detached (%s): keeping the children and their output", why);
}

bool keeper::copy_out(kept_child& c, int i) {
  char chunk[65536];
  for (int rounds = 0; rounds < 64; ++rounds) {
    ssize_t n = ::read(c.pipe[i].get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN;
    if (n == 0) return false;
    if (!c.file[i]) {
      std::string file = c.name + (i == 0 ? ".out" : ".err");
      std::string label = std::string(i == 0 ? "stdout" : "stderr") + " of '" + c.name + "'";
      c.file[i] = std::make_unique<rotating_log>(log_dir_, file, label, c.limits);
      // Counts the backups already there; a file it cannot open is retried at each write.
      (void)c.file[i]->open();
    }
    // A write that fails drops the bytes, as the daemon does: never block the child.
    c.file[i]->write(std::string_view(chunk, static_cast<std::size_t>(n)));
  }
  return true;
}

void keeper::on_hello() {
  // Whatever the pipes hold now goes to the files first, so the daemon reads on after it.
  for (auto& c : children_)
    for (int i = 0; i < 2; ++i) {
      if (c.pipe[i] && !copy_out(c, i)) c.pipe[i].reset();
      c.file[i].reset();
    }
  for (const auto& c : children_) {
    keeper_header h{keeper_op::entry, c.pid, c.wait_status, 0, c.ticks};
    int fds[3];
    std::size_t n = 0;
    if (c.exited) h.flags |= entry_exited;
    if (c.pipe[0]) h.flags |= entry_has_stdout, fds[n++] = c.pipe[0].get();
    if (c.pipe[1]) h.flags |= entry_has_stderr, fds[n++] = c.pipe[1].get();
    unique_fd pidfd(c.exited ? -1 : pidfd_open(c.pid));
    if (pidfd) h.flags |= entry_has_pidfd, fds[n++] = pidfd.get();
    send(h, c.name, fds, n);
  }
  send({keeper_op::hello_done, ::getpid(), static_cast<std::int32_t>(keeper_protocol_version)});
}

void keeper::on_spawn(const keeper_header& h, const char* body, std::size_t len,
                      std::vector<unique_fd>& fds) {
  std::vector<std::string> strings;
  for (std::size_t at = 0; at < len;) {
    const void* nul = std::memchr(body + at, 0, len - at);
    if (!nul) break;
    std::size_t end = static_cast<std::size_t>(static_cast<const char*>(nul) - body);
    strings.emplace_back(body + at, end - at);
    at = end + 1;
  }
  keeper_header reply{keeper_op::spawned, -1};
  auto argc = static_cast<std::size_t>(h.pid);
  const bool output = (h.flags & spawn_without_output) == 0;
  if (fds.size() != (output ? 4U : 0U) || argc < 1 || strings.size() < 2 + argc) {
    reply.flags = static_cast<std::uint32_t>(errc::internal);
    send(reply, "malformed spawn message");
    return;
  }
  spawn_request req;
  req.argv.assign(strings.begin() + 2, strings.begin() + 2 + static_cast<std::ptrdiff_t>(argc));
  req.cwd = strings[1];
  req.env.assign(strings.begin() + 2 + static_cast<std::ptrdiff_t>(argc), strings.end());
  if (output) {
    req.stdout_fd = fds[0].get();
    req.stderr_fd = fds[1].get();
  }
  auto child = spawner_.spawn(req);
  if (output) {
    fds[0].reset();  // only the child holds the write ends now
    fds[1].reset();
  }
  if (!child) {
    reply.flags = static_cast<std::uint32_t>(child.error().code());
    send(reply, child.error().message());
    return;
  }
  auto c = children_.emplace(children_.end());
  c->pid = child->pid;
  c->ticks = read_start_ticks(c->pid).value_or(0);  // unreaped, so the pid is still its own
  c->name = strings[0];
  if (h.flags & spawn_has_log_limits) c->limits = {h.ticks, h.value};
  if (output) {
    c->pipe[0] = std::move(fds[2]);
    c->pipe[1] = std::move(fds[3]);
  }
  reply.pid = c->pid;
  reply.ticks = c->ticks;
  int pidfd = child->pidfd.get();  // the daemon's; closed here once sent
  by_pid_.emplace(c->pid, c);
  send(reply, {}, &pidfd, 1);
}

void keeper::signal_orphan(pid_t pid, int signo) {
  if (pid <= 0) return;
  // Only a child of ours that is not reaped yet: its pid cannot have been reused. A child
  // the keeper spawned but the daemon has no live record of (its record is lost, or was never
  // written) counts as an orphan: a clean stop stops it too.
  if (kept_child* c = find(pid)) {
    if (!c->exited) ::kill(pid, signo);
    return;
  }
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
      info.si_pid == 0)
    ::kill(pid, signo);
}

void keeper::serve_daemon() {
  std::vector<unique_fd> fds;
  ssize_t n = recv_packet(daemon_.get(), buf_.get(), buf_size_, fds, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
  if (n <= 0) {
    detach(n == 0 ? "connection closed" : std::strerror(errno));
    return;
  }
  if (static_cast<std::size_t>(n) < sizeof(keeper_header)) return;
  keeper_header h;
  std::memcpy(&h, buf_.get(), sizeof h);
  const char* body = buf_.get() + sizeof h;
  std::size_t len = static_cast<std::size_t>(n) - sizeof h;
  switch (h.op) {
    case keeper_op::hello:
      on_hello();
      break;
    case keeper_op::spawn:
      on_spawn(h, body, len, fds);
      break;
    case keeper_op::signal_group: {
      kept_child* c = find(h.pid);
      // Only while the leader is unreaped: until then no other group can have its id.
      int err = (c && !c->exited) ? (::kill(-h.pid, h.value) == 0 ? 0 : errno) : ESRCH;
      if ((h.flags & signal_unanswered) == 0) send({keeper_op::result, h.pid, err});
      break;
    }
    case keeper_op::stopping:
      if (kept_child* c = find(h.pid)) c->stopping = true;
      break;
    case keeper_op::signal_orphan:
      signal_orphan(h.pid, h.value);
      break;
    case keeper_op::forget:
      forget(h.pid);
      break;
    case keeper_op::quit:
      quit_ = true;
      break;
    case keeper_op::log_limits:
      if (kept_child* c = find(h.pid)) c->limits = {h.ticks, h.value};
      break;
    default:
      break;
  }
}

int keeper::run() {
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &chld, nullptr);
  signals_.reset(::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signals_) {
    say("unable to watch for children (%s)", std::strerror(errno));
    return 1;
  }
  reap({});
  std::vector<pid_t> named;
  std::vector<pollfd> polled;
  std::vector<std::pair<kept_child*, int>> pipes;
  while (!quit_) {
    polled.clear();
    pipes.clear();
    polled.push_back({signals_.get(), POLLIN, 0});
    polled.push_back({keeper_listen_fd, POLLIN, 0});
    if (daemon_) {
      polled.push_back({daemon_.get(), POLLIN, 0});
    } else {
      for (auto& c : children_)
        for (int i = 0; i < 2; ++i)
          if (c.pipe[i]) {
            polled.push_back({c.pipe[i].get(), POLLIN, 0});
            pipes.emplace_back(&c, i);
          }
    }
    if (::poll(polled.data(), polled.size(), scan_timeout()) < 0) {
      if (errno == EINTR) continue;
      say("poll failed (%s)", std::strerror(errno));
      return 1;
    }
    if (polled[0].revents) {
      named.clear();
      signalfd_siginfo si;
      while (::read(signals_.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si))
        named.push_back(static_cast<pid_t>(si.ssi_pid));
      reap(named);
    } else if (scan_timeout() == 0) {
      scan();
    }
    if (daemon_ && polled[2].revents) serve_daemon();
    for (std::size_t i = 0; i < pipes.size(); ++i) {
      if (!polled[2 + i].revents) continue;
      auto [c, stream] = pipes[i];
      if (!copy_out(*c, stream)) {
        c->pipe[stream].reset();
        c->file[stream].reset();
      }
    }
    // Last: a new daemon after the old one's end was seen, never while it is attached.
    if (polled[1].revents) accept_daemon();
  }
  return 0;
}

}  // namespace

int run_keeper(const char* log_dir) {
  // Orphans of what the children start are reparented here, and reaped.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  for (int signo : {SIGPIPE, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2}) ::signal(signo, SIG_IGN);
  // It waits for each child's exec, then answers at once: a wake-up that must not queue
  // behind the child it just started.
  request_short_slice();
  // It holds each child's pipes; the children get back the soft limit the daemon
  // started it with, which was the daemon's own at start.
  raise_descriptor_limit();
  auto dir = log_directory::open(log_dir);
  if (!dir) {
    say("%s", dir.error().message());
    return 1;
  }
  ::fcntl(keeper_listen_fd, F_SETFD, FD_CLOEXEC);
  keeper k(std::move(*dir));
  return k.run();
}

}  // namespace shoal
