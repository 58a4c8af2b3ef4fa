#include "bench/echo_server.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace shoal::bench {

result<std::unique_ptr<echo_server>> echo_server::start(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return status{errc::internal, "unable to listen on " + path + ": the path is too long"};
  std::memcpy(addr.sun_path, path.data(), path.size());
  unique_fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd || ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd.get(), 1) != 0)
    return status::from_errno(errc::internal, "unable to listen on " + path, errno);
  std::unique_ptr<echo_server> server(new echo_server(std::move(fd)));
  server->thread_ = std::thread([s = server.get()] { s->serve(); });
  return server;
}

echo_server::~echo_server() {
  // Wakes an accept() that never got its client; a served connection ends on the client's EOF.
  ::shutdown(listener_.get(), SHUT_RDWR);
  if (thread_.joinable()) thread_.join();
}

void echo_server::serve() {
  unique_fd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!conn) return;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::recv(conn.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::send(conn.get(), buf + done, static_cast<std::size_t>(n - done), MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return;
      done += w;
    }
  }
}

}  // namespace shoal::bench
