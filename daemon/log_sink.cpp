#include "daemon/log_sink.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace shoal::log {

sink::sink(int fd, notice_fn notice, std::size_t max_queued_bytes)
    : notice_(std::move(notice)), max_queued_bytes_(max_queued_bytes) {
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) return;  // no stderr at all: lines go nowhere
  fd_ = fd;
  if (S_ISSOCK(st.st_mode)) {
    method_ = method::send;
  } else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
    std::string self = "/proc/self/fd/" + std::to_string(fd);
    int own = ::open(self.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (own >= 0) {
      fd_ = own;
      owns_fd_ = true;
      method_ = method::write;
    } else {
      method_ = method::poll_then_write;  // no /proc: still never wait on a full pipe
    }
  } else {
    method_ = method::write;  // a regular file never makes a writer wait for a reader
  }
}

sink::~sink() {
  watch_.reset();
  if (owns_fd_) ::close(fd_);
}

long sink::try_write(const char* data, std::size_t size) {
  for (;;) {
    ssize_t n = -1;
    switch (method_) {
      case method::send:
        n = ::send(fd_, data, size, MSG_DONTWAIT | MSG_NOSIGNAL);
        break;
      case method::poll_then_write: {
        pollfd p{fd_, POLLOUT, 0};
        if (::poll(&p, 1, 0) != 1 || !(p.revents & POLLOUT)) {
          errno = EAGAIN;
          return -1;
        }
        n = ::write(fd_, data, size);
        break;
      }
      case method::write:
        n = ::write(fd_, data, size);
        break;
      case method::discard:
        return static_cast<long>(size);
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EWOULDBLOCK) errno = EAGAIN;
    return n;
  }
}

void sink::write(std::string line) {
  if (method_ == method::discard || line.empty()) return;
  if (!queue_.empty() || dropping_) pump();  // older lines, then the notice, go first
  if (!queue_.empty() || dropping_) {
    enqueue(std::move(line));
    return;
  }
  long n = try_write(line.data(), line.size());
  if (n == static_cast<long>(line.size())) return;
  if (n < 0 && errno != EAGAIN) {
    // stderr is broken (EPIPE, ENOSPC): this line is lost, and later ones until it heals.
    dropping_ = true;
    ++dropped_;
    return;
  }
  queued_bytes_ += line.size();
  front_written_ = n > 0 ? static_cast<std::size_t>(n) : 0;
  queue_.push_back(std::move(line));
  wait_writable();
}

void sink::enqueue(std::string line) {
  if (dropping_ || queued_bytes_ + line.size() > max_queued_bytes_) {
    dropping_ = true;
    ++dropped_;
    return;
  }
  queued_bytes_ += line.size();
  queue_.push_back(std::move(line));
}

void sink::pump() {
  while (!queue_.empty()) {
    const std::string& front = queue_.front();
    long n = try_write(front.data() + front_written_, front.size() - front_written_);
    if (n < 0) {
      if (errno == EAGAIN) {
        wait_writable();
        return;
      }
      dropped_ += queue_.size();
      dropping_ = true;
      queue_.clear();
      queued_bytes_ = front_written_ = 0;
      return;
    }
    front_written_ += static_cast<std::size_t>(n);
    if (front_written_ == front.size()) {
      queued_bytes_ -= front.size();
      queue_.pop_front();
      front_written_ = 0;
    }
  }
  if (!dropping_) return;
  std::string notice = notice_ ? notice_(dropped_) : std::string();
  long n = notice.empty() ? 0 : try_write(notice.data(), notice.size());
  if (n < 0) {
    if (errno == EAGAIN) wait_writable();
    return;  // still dropping; the notice is tried again with the next line
  }
  dropping_ = false;
  dropped_ = 0;
  if (static_cast<std::size_t>(n) < notice.size()) {
    queued_bytes_ += notice.size();
    front_written_ = static_cast<std::size_t>(n);
    queue_.push_back(std::move(notice));
    wait_writable();
  }
}

void sink::attach(asio::io_context& io) {
  if (method_ == method::discard || watch_) return;
  int dup = ::fcntl(fd_, F_DUPFD_CLOEXEC, 3);
  if (dup < 0) return;  // queued lines then go out with the next line written
  std::error_code ec;
  watch_ = std::make_unique<asio::posix::stream_descriptor>(io);
  watch_->assign(dup, ec);
  if (ec) {
    ::close(dup);
    watch_.reset();
    return;
  }
  if (!queue_.empty() || dropping_) wait_writable();
}

void sink::wait_writable() {
  if (!watch_ || waiting_) return;
  waiting_ = true;
  watch_->async_wait(asio::posix::stream_descriptor::wait_write, [this](const std::error_code& ec) {
    // Aborted: detach() has reset watch_ and waiting_, and the sink may be gone.
    if (ec == asio::error::operation_aborted) return;
    waiting_ = false;
    if (!ec) pump();
  });
}

void sink::detach(std::chrono::milliseconds patience) {
  watch_.reset();
  waiting_ = false;
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (method_ != method::discard && (!queue_.empty() || dropping_)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) != 1) return;
    if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) return;
    std::size_t before = queued_bytes_ - front_written_;
    bool was_dropping = dropping_;
    pump();
    if (queued_bytes_ - front_written_ == before && dropping_ == was_dropping)
      return;  // no progress
  }
}

}  // namespace shoal::log
