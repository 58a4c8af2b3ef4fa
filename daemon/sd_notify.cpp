#include "daemon/sd_notify.hpp"

#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace shoal {

result<sd_notifier> sd_notifier::from_environment() {
  const char* value = std::getenv("NOTIFY_SOCKET");
  std::string address = value ? value : "";
  unsetenv("NOTIFY_SOCKET");
  if (address.empty()) return sd_notifier{};
  return for_address(address);
}

result<sd_notifier> sd_notifier::for_address(std::string_view address) {
  sd_notifier n;
  n.address_text_ = std::string(address);
  n.address_.sun_family = AF_UNIX;
  constexpr std::size_t capacity = sizeof(n.address_.sun_path);
  if (address.size() >= 2 && address[0] == '@') {
    // Abstract: a leading NUL, then the name; the length, not a terminator, ends it.
    if (address.size() > capacity)
      return status(errc::bad_request, "unable to use NOTIFY_SOCKET '" + n.address_text_ +
                                           "': abstract name longer than " +
                                           std::to_string(capacity - 1) + " bytes");
    n.address_.sun_path[0] = '\0';
    std::memcpy(n.address_.sun_path + 1, address.data() + 1, address.size() - 1);
    n.address_length_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
    return n;
  }
  if (address.empty() || address[0] != '/')
    return status(errc::bad_request, "unable to use NOTIFY_SOCKET '" + n.address_text_ +
                                         "': neither an absolute path nor an @abstract name");
  if (address.size() >= capacity)
    return status(errc::bad_request, "unable to use NOTIFY_SOCKET '" + n.address_text_ +
                                         "': path longer than " + std::to_string(capacity - 1) +
                                         " bytes");
  std::memcpy(n.address_.sun_path, address.data(), address.size());
  n.address_length_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() + 1);
  return n;
}

status sd_notifier::send(std::string_view assignments) const {
  if (!enabled()) return {};
  // A socket per message: nothing stays open for children to inherit, and the daemon does not
  // care if the manager goes away between messages.
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return status::from_errno(
        errc::internal, "unable to notify '" + address_text_ + "': cannot create a datagram socket",
        errno);
  // The manager drains its queue quickly; a full one must not hang the event loop for long.
  timeval limit{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  ssize_t sent = sendto(fd, assignments.data(), assignments.size(), MSG_NOSIGNAL,
                        reinterpret_cast<const sockaddr*>(&address_), address_length_);
  int err = errno;
  close(fd);
  if (sent < 0)
    return status::from_errno(errc::internal,
                              "unable to send '" + std::string(assignments.substr(0, 40)) +
                                  "' to NOTIFY_SOCKET '" + address_text_ + "'",
                              err);
  if (static_cast<std::size_t>(sent) != assignments.size())
    return status(errc::internal, "unable to notify '" + address_text_ + "': datagram truncated");
  return {};
}

status sd_notifier::set_status(std::string_view text) const {
  std::string line = "STATUS=";
  for (char c : text) line += (c == '\n' || c == '\r') ? ' ' : c;
  return send(line);
}

status sd_notifier::main_pid(pid_t pid) const { return send("MAINPID=" + std::to_string(pid)); }

}  // namespace shoal
