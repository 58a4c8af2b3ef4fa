#include "daemon/output_pipe.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <asio/post.hpp>

#include "daemon/log.hpp"

namespace shoal {
namespace {

// Small enough that a request arriving behind a chunk waits only a few microseconds, large
// enough that a flood costs a read and a write per 16 KiB (bench: control.hello_flood).
constexpr std::size_t chunk_bytes = 16 * 1024;
// One buffer for every pipe: the daemon has one thread, and each chunk is written to its log
// before the next read.
char chunk[chunk_bytes];

// Larger than Linux's default 64 KiB, so a child rarely blocks while the daemon is busy
// elsewhere. Only as root: an unprivileged user's pipes share a budget
// (/proc/sys/fs/pipe-user-pages-soft) that larger pipes would use up four times faster.
constexpr int privileged_pipe_bytes = 256 * 1024;

// Where a chunk is peeked through: tee(2) copies the head of a child's pipe here without
// taking it, and a read empties it again. One for every pipe, like `chunk`; made with the
// first output_pipe, so that the daemon's descriptors do not change at its first byte.
struct peek_pipe {
  unique_fd read, write;
  bool refused = false;  // no pipe, or tee refused: the bytes are read and taken
};

peek_pipe& scratch() {
  static peek_pipe p = [] {
    peek_pipe made;
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC | O_NONBLOCK) == 0) {
      made.read.reset(ends[0]);
      made.write.reset(ends[1]);
    } else {
      made.refused = true;
    }
    return made;
  }();
  return p;
}

// Up to `max` bytes from the head of the pipe `fd` into `chunk`, left in the pipe: how many,
// 0 at its end (empty, and no writer left), or -1 with errno (EAGAIN: empty for now). A
// daemon killed at any instant then leaves in the pipe every byte not yet in the log file,
// for the keeper to write (rotating_log::write with a source). Where tee is refused, the
// bytes are read and taken: the way it was.
ssize_t peek(int fd, std::size_t max, bool& taken) {
  taken = false;
  peek_pipe& through = scratch();
  ssize_t n;
  if (!through.refused) {
    do n = ::tee(fd, through.write.get(), max, SPLICE_F_NONBLOCK);
    while (n < 0 && errno == EINTR);
    if (n >= 0 || errno == EAGAIN) {
      if (n <= 0) return n;
      ssize_t got;
      do got = ::read(through.read.get(), chunk, static_cast<std::size_t>(n));
      while (got < 0 && errno == EINTR);
      return got;
    }
    if (errno != EINVAL) return n;
    through.refused = true;
  }
  taken = true;
  do n = ::read(fd, chunk, max);
  while (n < 0 && errno == EINTR);
  return n;
}

// Takes out of the pipe the `count` peeked bytes that the log did not move itself.
void take(int fd, std::size_t count) {
  char dropped[4096];
  while (count > 0) {
    ssize_t n = ::read(fd, dropped, std::min(count, sizeof dropped));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    count -= static_cast<std::size_t>(n);
  }
}

}  // namespace

result<pipe_ends> make_output_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return status::from_errno(errc::internal, "unable to create an output pipe", errno);
  pipe_ends ends{unique_fd(fds[0]), unique_fd(fds[1])};
  // Only the daemon's end: the child's stdout must block like any other.
  int flags = ::fcntl(ends.read.get(), F_GETFL);
  if (flags < 0 || ::fcntl(ends.read.get(), F_SETFL, flags | O_NONBLOCK) != 0)
    return status::from_errno(errc::internal, "unable to make an output pipe non-blocking", errno);
  if (::geteuid() == 0)
    ::fcntl(ends.read.get(), F_SETPIPE_SZ, privileged_pipe_bytes);  // best effort
  return ends;
}

std::shared_ptr<output_pipe> output_pipe::start(asio::io_context& io, unique_fd read_end,
                                                std::shared_ptr<rotating_log> sink,
                                                std::function<void()> on_output,
                                                std::function<void()> on_closed) {
  auto p = std::make_shared<output_pipe>(token{}, io, std::move(read_end), std::move(sink),
                                         std::move(on_output), std::move(on_closed));
  p->arm();
  return p;
}

output_pipe::output_pipe(token, asio::io_context& io, unique_fd read_end,
                         std::shared_ptr<rotating_log> sink, std::function<void()> on_output,
                         std::function<void()> on_closed)
    : io_(io),
      descriptor_(io),
      sink_(std::move(sink)),
      on_output_(std::move(on_output)),
      on_closed_(std::move(on_closed)) {
  scratch();
  int size = ::fcntl(read_end.get(), F_GETPIPE_SZ);
  capacity_ = size > 0 ? static_cast<std::size_t>(size) : chunk_bytes;
  descriptor_.assign(read_end.release());
}

output_pipe::~output_pipe() {
  std::error_code ignored;
  descriptor_.close(ignored);
}

ssize_t output_pipe::pass_on(std::size_t max) {
  int fd = descriptor_.native_handle();
  bool taken = false;
  ssize_t n = peek(fd, max, taken);
  if (n <= 0) return n;
  auto data = std::string_view(chunk, static_cast<std::size_t>(n));
  if (taken) {
    sink_->write(data);
  } else {
    std::size_t moved = sink_->write(data, fd);
    take(fd, data.size() - moved);
  }
  return n;
}

output_pipe::outcome output_pipe::read_once() {
  if (!descriptor_.is_open()) return outcome::closed;
  ssize_t n = pass_on(chunk_bytes);
  if (n > 0) {
    if (on_output_) on_output_();
    // A short read emptied the pipe at that instant; the next write raises a new edge.
    return static_cast<std::size_t>(n) == chunk_bytes ? outcome::more : outcome::empty;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return outcome::empty;
  if (n < 0)
    log::warning("unable to read the output pipe for '{}': {}", sink_->file(),
                 std::strerror(errno));
  return outcome::closed;
}

void output_pipe::on_ready() {
  auto self = shared_from_this();  // on_closed may drop the owner's reference
  switch (read_once()) {
    case outcome::more:
      asio::post(io_, [weak = weak_from_this()] {
        if (auto p = weak.lock()) p->on_ready();
      });
      break;
    case outcome::empty:
      arm();
      break;
    case outcome::closed:
      finish();
      break;
  }
}

// Asio's reactor is edge-triggered and an async_wait does not read first, so a wait is only
// armed right after a read found the pipe empty (or at the start, before any byte).
void output_pipe::arm() {
  if (!descriptor_.is_open()) return;
  descriptor_.async_wait(asio::posix::stream_descriptor::wait_read,
                         [weak = weak_from_this()](const std::error_code& ec) {
                           if (ec) return;  // closed: nothing more to read
                           if (auto p = weak.lock()) p->on_ready();
                         });
}

void output_pipe::drain() {
  auto self = shared_from_this();
  std::size_t budget = capacity_;
  while (descriptor_.is_open()) {
    ssize_t n = pass_on(std::min(chunk_bytes, budget));
    if (n > 0) {
      if (on_output_) on_output_();
      budget -= static_cast<std::size_t>(n);
      if (budget == 0) return;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    finish();
  }
}

void output_pipe::close() {
  std::error_code ignored;
  descriptor_.close(ignored);  // a pending wait completes with operation_aborted
}

void output_pipe::finish() {
  close();
  if (auto done = std::exchange(on_closed_, nullptr)) done();
}

}  // namespace shoal
