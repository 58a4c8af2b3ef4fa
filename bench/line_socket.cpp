#include "bench/line_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace shoal::bench {

result<line_socket> line_socket::connect(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return status{errc::internal, "unable to connect to " + path + ": the path is too long"};
  std::memcpy(addr.sun_path, path.data(), path.size());
  unique_fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd)
    return status::from_errno(errc::internal, "unable to create a socket for " + path, errno);
  int rc;
  do {
    rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return status::from_errno(errc::internal, "unable to connect to " + path, errno);
  return line_socket(std::move(fd));
}

status line_socket::write_all(std::string_view line) {
  while (!line.empty()) {
    ssize_t n = ::send(fd_.get(), line.data(), line.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return status::from_errno(errc::internal, "unable to send a line", errno);
    line.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

result<std::string_view> line_socket::read_line() {
  constexpr std::size_t initial_capacity = std::size_t{1} << 20;
  std::size_t scanned = start_;
  for (;;) {
    auto* nl = scanned < end_
                   ? static_cast<char*>(std::memchr(buffer_.get() + scanned, '\n', end_ - scanned))
                   : nullptr;
    if (nl != nullptr) {
      std::string_view line(buffer_.get() + start_,
                            static_cast<std::size_t>(nl - buffer_.get()) - start_);
      start_ = static_cast<std::size_t>(nl - buffer_.get()) + 1;
      // The line stays where it is until the next read, which starts over at the front.
      if (start_ == end_) start_ = end_ = 0;
      return line;
    }
    if (end_ == capacity_) {
      std::size_t pending = end_ - start_;
      if (start_ > 0) {
        std::memmove(buffer_.get(), buffer_.get() + start_, pending);
      } else {
        std::size_t grown = std::max(initial_capacity, 2 * capacity_);
        auto bigger = std::make_unique_for_overwrite<char[]>(grown);
        if (pending > 0) std::memcpy(bigger.get(), buffer_.get(), pending);
        buffer_ = std::move(bigger);
        capacity_ = grown;
      }
      start_ = 0;
      end_ = pending;
    }
    scanned = end_;
    ssize_t n = ::recv(fd_.get(), buffer_.get() + end_, capacity_ - end_, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return status::from_errno(errc::internal, "unable to read a line", errno);
    if (n == 0)
      return status{errc::internal, "unable to read a line: the peer closed the connection"};
    end_ += static_cast<std::size_t>(n);
  }
}

result<std::string_view> line_socket::round_trip(std::string_view line) {
  if (auto s = write_all(line); !s) return s;
  return read_line();
}

}  // namespace shoal::bench
