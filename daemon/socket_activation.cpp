#include "daemon/socket_activation.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace shoal {
namespace {

constexpr int first_listen_fd = 3;  // SD_LISTEN_FDS_START

std::string take_env(const char* name, bool& present) {
  const char* value = std::getenv(name);
  present = value != nullptr;
  std::string out = value ? value : "";
  unsetenv(name);
  return out;
}

bool parse_number(std::string_view text, long& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc{} && end == text.data() + text.size();
}

status activation_error(std::string why) {
  return {errc::internal,
          "unable to use the socket passed by the service manager: " + std::move(why)};
}

}  // namespace

result<std::string> check_listening_unix_socket(int fd) {
  std::string what = "fd " + std::to_string(fd);
  if (fcntl(fd, F_GETFD) < 0)
    return status::from_errno(errc::internal, what + " is not open", errno);
  int type = 0;
  socklen_t len = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
    return status::from_errno(errc::internal, what + " is not a socket", errno);
  if (type != SOCK_STREAM)
    return status(errc::internal,
                  what + " is not a SOCK_STREAM socket (type " + std::to_string(type) + ")");
  sockaddr_un address{};
  socklen_t address_length = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_length) < 0)
    return status::from_errno(errc::internal, "unable to read the address of " + what, errno);
  if (address.sun_family != AF_UNIX)
    return status(errc::internal, what + " is not an AF_UNIX socket (family " +
                                      std::to_string(address.sun_family) + ")");
  int listening = 0;
  len = sizeof listening;
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0)
    return status::from_errno(errc::internal, "unable to tell whether " + what + " listens", errno);
  if (!listening) return status(errc::internal, what + " is not listening");
  // sun_path of a path socket is NUL-terminated within len; an abstract one starts with NUL.
  std::size_t path_bytes = address_length > offsetof(sockaddr_un, sun_path)
                               ? address_length - offsetof(sockaddr_un, sun_path)
                               : 0;
  if (path_bytes == 0 || address.sun_path[0] == '\0') return std::string();
  return std::string(address.sun_path, strnlen(address.sun_path, path_bytes));
}

result<activated_socket> take_activated_socket() {
  bool has_pid = false, has_fds = false, has_names = false;
  std::string pid_text = take_env("LISTEN_PID", has_pid);
  std::string fds_text = take_env("LISTEN_FDS", has_fds);
  std::string names = take_env("LISTEN_FDNAMES", has_names);
  if (!has_fds) return activated_socket{};

  long pid = 0, count = 0;
  if (!has_pid) return activation_error("LISTEN_FDS is set but LISTEN_PID is not");
  if (!parse_number(pid_text, pid))
    return activation_error("LISTEN_PID='" + pid_text + "' is not a pid");
  // Another process's descriptors (an environment leaked through a wrapper that did not exec)
  // must not be mistaken for ours.
  if (pid != static_cast<long>(getpid()))
    return activation_error("LISTEN_PID=" + pid_text + " is not this process (pid " +
                            std::to_string(getpid()) +
                            "); a wrapper must exec shoald, not fork it");
  if (!parse_number(fds_text, count) || count < 0)
    return activation_error("LISTEN_FDS='" + fds_text + "' is not a count");
  if (count != 1)
    return activation_error("LISTEN_FDS=" + fds_text +
                            ", but shoald serves exactly one socket (fd 3)");

  auto path = check_listening_unix_socket(first_listen_fd);
  if (!path) return activation_error(path.error().message());
  int flags = fcntl(first_listen_fd, F_GETFD);
  if (flags < 0 || fcntl(first_listen_fd, F_SETFD, flags | FD_CLOEXEC) < 0)
    return activation_error(
        status::from_errno(errc::internal, "unable to make fd 3 close-on-exec", errno).message());

  activated_socket out;
  out.fd = first_listen_fd;
  out.name = has_names ? names.substr(0, names.find(':')) : "";
  out.path = std::move(*path);
  return out;
}

}  // namespace shoal
