#include "bench/line_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>

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

result<std::string> line_socket::read_line() {
  std::size_t scanned = 0;
  for (;;) {
    auto nl = buffer_.find('\n', scanned);
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    scanned = buffer_.size();
    char chunk[64 * 1024];
    ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return status::from_errno(errc::internal, "unable to read a line", errno);
    if (n == 0)
      return status{errc::internal, "unable to read a line: the peer closed the connection"};
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

result<std::string> line_socket::round_trip(std::string_view line) {
  if (auto s = write_all(line); !s) return s;
  return read_line();
}

}  // namespace shoal::bench
