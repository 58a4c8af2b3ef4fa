#include "daemon/keeper_link.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <asio/post.hpp>

#include "daemon/fd_passing.hpp"
#include "daemon/log.hpp"

namespace shoal {
namespace {

// How long an answer may take: the keeper answers at once unless it is stopped or gone.
constexpr int answer_patience_ms = 10000;

}  // namespace

keeper_link::keeper_link(token, asio::io_context& io, unique_fd sock, bool started_here)
    : io_(io), sock_(io, sock.release()), started_here_(started_here), buf_(new char[buf_size_]) {}

keeper_link::~keeper_link() = default;

void keeper_link::send(const keeper_header& h, const std::string& body, const int* fds,
                       std::size_t nfds) {
  if (broken_) return;
  if (h.op != keeper_op::forget) send_forgets();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(answer_patience_ms);
  for (;;) {
    int err = send_packet(sock_.native_handle(), &h, sizeof h, body.data(), body.size(), fds, nfds);
    if (err == 0) return;
    if (err != EAGAIN && err != EWOULDBLOCK) {
      lost(std::strerror(err));
      return;
    }
    // The keeper's queue is full: a burst of stops and forgets, while the keeper itself may
    // be blocked sending us the exits they caused. Take those while waiting, or each side
    // would wait for the other.
    if (!wait_for_room(deadline)) return;
  }
}

short keeper_link::poll_until(short events, std::chrono::steady_clock::time_point deadline,
                              const char* what) {
  while (!broken_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      lost(std::string("it did not ") + what + " within " +
           std::to_string(answer_patience_ms / 1000) + " s");
      return 0;
    }
    pollfd p{sock_.native_handle(), events, 0};
    if (::poll(&p, 1, static_cast<int>(left)) > 0 && p.revents != 0) return p.revents;
  }
  return 0;
}

bool keeper_link::wait_for_room(std::chrono::steady_clock::time_point deadline) {
  std::vector<unique_fd> got;
  for (;;) {
    short ready = poll_until(POLLIN | POLLOUT, deadline, "take anything from its queue");
    if (ready == 0) return false;
    if (ready & POLLOUT) return true;
    keeper_header h{};
    std::size_t len = 0;
    take(h, len, got);  // an answer to nothing asked is dropped, as await() drops it
  }
}

bool keeper_link::take(keeper_header& h, std::size_t& len, std::vector<unique_fd>& fds) {
  ssize_t n = recv_packet(sock_.native_handle(), buf_.get(), buf_size_, fds, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return false;
  if (n <= 0) {
    lost(n == 0 ? "it closed the connection" : std::strerror(errno));
    return false;
  }
  if (static_cast<std::size_t>(n) < sizeof h) return false;
  std::memcpy(&h, buf_.get(), sizeof h);
  if (h.op == keeper_op::exited) {
    pending_exits_.emplace_back(h.pid, h.value);
    deliver_later();
    return false;
  }
  len = static_cast<std::size_t>(n) - sizeof h;
  return true;
}

bool keeper_link::await(keeper_op op, keeper_header& h, std::string* body,
                        std::vector<unique_fd>* fds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(answer_patience_ms);
  std::vector<unique_fd> got;
  while (poll_until(POLLIN, deadline, "answer") != 0) {
    std::size_t len = 0;
    if (!take(h, len, got) || h.op != op) continue;
    if (body) body->assign(buf_.get() + sizeof h, len);
    if (fds) *fds = std::move(got);
    return true;
  }
  return false;
}

status keeper_link::hello() {
  send({keeper_op::hello});
  for (;;) {
    keeper_header h{};
    std::string name;
    std::vector<unique_fd> fds;
    // Entries and the final hello_done come in order; await() keeps only the op it waits
    // for, so take whichever of the two comes next.
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(answer_patience_ms);
    bool got = false;
    while (!broken_ && !got) {
      if (std::chrono::steady_clock::now() > deadline) lost("it did not answer hello");
      pollfd p{sock_.native_handle(), POLLIN, 0};
      if (::poll(&p, 1, 1000) <= 0) continue;
      ssize_t n = recv_packet(sock_.native_handle(), buf_.get(), buf_size_, fds, MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0 || static_cast<std::size_t>(n) < sizeof h) {
        lost("it closed the connection");
        break;
      }
      std::memcpy(&h, buf_.get(), sizeof h);
      name.assign(buf_.get() + sizeof h, static_cast<std::size_t>(n) - sizeof h);
      got = true;
    }
    if (broken_)
      return {errc::internal,
              "unable to attach to the keeper in the state directory: it does not answer; "
              "stop it (it runs as 'shoald --keeper') or choose another --state-dir"};
    if (h.op == keeper_op::hello_done) {
      hold_process(h.pid);
      keeper_version_ = static_cast<std::uint32_t>(h.value);
      return {};
    }
    if (h.op == keeper_op::exited) {
      pending_exits_.emplace_back(h.pid, h.value);
      continue;
    }
    if (h.op != keeper_op::entry) continue;
    keeper_entry e;
    e.pid = h.pid;
    e.start_ticks = h.ticks;
    e.exited = (h.flags & entry_exited) != 0;
    e.wait_status = h.value;
    e.name = name;
    std::size_t next = 0;
    if ((h.flags & entry_has_stdout) && next < fds.size()) e.out = std::move(fds[next++]);
    if ((h.flags & entry_has_stderr) && next < fds.size()) e.err = std::move(fds[next++]);
    if ((h.flags & entry_has_pidfd) && next < fds.size()) e.pidfd = std::move(fds[next++]);
    entries_.push_back(std::move(e));
  }
}

result<spawned_child> keeper_link::spawn(const spawn_request& request,
                                         const std::function<void()>& meanwhile) {
  // Whatever stops the spawn before it is sent, `meanwhile` still runs once.
  auto refuse = [&meanwhile](status why) {
    meanwhile();
    return why;
  };
  if (broken_)
    return refuse({errc::spawn_failed,
                   "the keeper process that starts the children was lost; shoald is starting a "
                   "new one: try again"});
  std::string body;
  body.reserve(4096);
  auto add = [&body](const std::string& s) {
    body += s;
    body += '\0';
  };
  add(request.name);
  add(request.cwd);
  for (const auto& a : request.argv) add(a);
  for (const auto& e : request.env) add(e);
  if (body.size() > keeper_max_message)
    return refuse({errc::spawn_failed, "its command line and environment take " +
                                           std::to_string(body.size()) + " bytes, more than the " +
                                           std::to_string(keeper_max_message) + " allowed"});
  keeper_header h{keeper_op::spawn, static_cast<std::int32_t>(request.argv.size())};
  // In the spawn itself: a message of its own would wake the keeper again just as the child
  // and this daemon's reply need the CPUs.
  bool limits_inside = request.limits && keeper_version_ >= 2;
  if (limits_inside) {
    h.flags |= spawn_has_log_limits;
    h.value = request.limits->backups;
    h.ticks = request.limits->max_bytes;
  }
  if (request.stdout_fd >= 0) {
    int fds[4] = {request.stdout_fd, request.stderr_fd, request.stdout_read_fd,
                  request.stderr_read_fd};
    send(h, body, fds, 4);
  } else if (keeper_version_ >= 3) {
    h.flags |= spawn_without_output;
    send(h, body, nullptr, 0);
  } else {
    // An older keeper wants four descriptors: it keeps the read ends, which end at once.
    unique_fd sink(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    unique_fd source(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!sink || !source) return refuse(status::from_errno(errc::spawn_failed, "/dev/null", errno));
    int fds[4] = {sink.get(), sink.get(), source.get(), source.get()};
    send(h, body, fds, 4);
  }
  meanwhile();
  keeper_header reply{};
  std::string message;
  std::vector<unique_fd> got;
  if (!await(keeper_op::spawned, reply, &message, &got))
    return status{errc::spawn_failed, "the keeper process that starts the children was lost (" +
                                          lost_why_ + "); shoald is starting a new one: try again"};
  if (reply.pid <= 0) return status{static_cast<errc>(reply.flags), message};
  if (request.limits && !limits_inside) set_log_limits(reply.pid, *request.limits);
  spawned_child child;
  child.pid = reply.pid;
  child.start_ticks = reply.ticks;
  if (!got.empty()) child.pidfd = std::move(got[0]);
  return child;
}

int keeper_link::signal_group(pid_t pid, int signo) {
  send({keeper_op::signal_group, pid, signo});
  keeper_header reply{};
  if (!await(keeper_op::result, reply, nullptr, nullptr)) return ESRCH;
  return reply.value;
}

void keeper_link::signal_group_unanswered(pid_t pid, int signo) {
  if (keeper_version_ < 4) {
    (void)signal_group(pid, signo);
    return;
  }
  send({keeper_op::signal_group, pid, signo, signal_unanswered});
}

void keeper_link::stopping(pid_t pid) { send({keeper_op::stopping, pid}); }
void keeper_link::signal_orphan(pid_t pid, int signo) {
  send({keeper_op::signal_orphan, pid, signo});
}
void keeper_link::forget(pid_t pid) {
  unsent_forgets_.push_back(pid);
  // Bounded: a daemon that only reaps (no start, no stop) still tells the keeper, in batches.
  if (unsent_forgets_.size() >= 64) send_forgets();
}

void keeper_link::send_forgets() {
  auto pids = std::move(unsent_forgets_);
  unsent_forgets_.clear();
  for (pid_t pid : pids) send({keeper_op::forget, pid});
}
void keeper_link::set_log_limits(pid_t pid, const log_limits& limits) {
  send({keeper_op::log_limits, pid, limits.backups, 0, limits.max_bytes});
}
void keeper_link::quit() {
  send({keeper_op::quit});
  // Waits (bounded) for the keeper's end: the next daemon must not reach a keeper on its
  // way out, and nothing of ours may outlive this daemon's clean stop.
  if (!broken_) {
    std::vector<unique_fd> ignored;
    for (int round = 0; round < 50; ++round) {
      pollfd p{sock_.native_handle(), POLLIN, 0};
      if (::poll(&p, 1, 100) < 0 && errno != EINTR) break;
      ssize_t n = recv_packet(sock_.native_handle(), buf_.get(), buf_size_, ignored, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;
    }
    if (started_here_) {
      int wait_status = 0;
      ::waitpid(keeper_pid_, &wait_status, 0);
    }
  }
  detach();
}

void keeper_link::detach() {
  if (!broken_) send_forgets();
  std::error_code ignored;
  sock_.cancel(ignored);
  sock_.close(ignored);
  broken_ = true;
}

void keeper_link::on_exit(std::function<void(pid_t, int)> fn) {
  on_exit_ = std::move(fn);
  if (!pending_exits_.empty()) deliver_later();
  arm();
}

void keeper_link::arm() {
  if (broken_) return;
  sock_.async_wait(asio::posix::stream_descriptor::wait_read, [this](const std::error_code& ec) {
    if (ec) return;
    read_ready();
  });
}

void keeper_link::read_ready() {
  std::vector<unique_fd> fds;
  for (;;) {
    ssize_t n = recv_packet(sock_.native_handle(), buf_.get(), buf_size_, fds, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
    if (n <= 0) {
      lost(n == 0 ? "it closed the connection" : std::strerror(errno));
      break;
    }
    keeper_header h{};
    if (static_cast<std::size_t>(n) < sizeof h) continue;
    std::memcpy(&h, buf_.get(), sizeof h);
    if (h.op == keeper_op::exited) pending_exits_.emplace_back(h.pid, h.value);
  }
  while (!pending_exits_.empty() && on_exit_) {
    auto [pid, wait_status] = pending_exits_.front();
    pending_exits_.pop_front();
    on_exit_(pid, wait_status);
  }
  arm();
}

void keeper_link::deliver_later() {
  if (delivery_posted_ || !on_exit_) return;
  delivery_posted_ = true;
  asio::post(io_, [this] {
    delivery_posted_ = false;
    while (!pending_exits_.empty() && on_exit_) {
      auto [pid, wait_status] = pending_exits_.front();
      pending_exits_.pop_front();
      on_exit_(pid, wait_status);
    }
  });
}

void keeper_link::lost(const std::string& why) {
  if (broken_) return;
  broken_ = true;
  lost_why_ = why;
  log::error("lost the keeper process that holds the children (pid {}): {}", keeper_pid_, why);
  // Never from inside the request that found it: the daemon replaces the keeper the request
  // was using, and the host it was called through.
  if (on_lost_) asio::post(io_, [this] { on_lost_(lost_why_); });
}

void keeper_link::on_lost(std::function<void(const std::string&)> fn) {
  on_lost_ = std::move(fn);
  if (broken_) asio::post(io_, [this] { on_lost_(lost_why_); });
}

}  // namespace shoal
