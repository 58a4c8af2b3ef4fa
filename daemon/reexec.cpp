#include "daemon/reexec.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <string_view>

#include "daemon/descriptor_limit.hpp"

namespace shoal {
namespace {

bool set_cloexec(int fd, bool on) {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags < 0) return false;
  int wanted = on ? (flags | FD_CLOEXEC) : (flags & ~FD_CLOEXEC);
  return wanted == flags || ::fcntl(fd, F_SETFD, wanted) == 0;
}

// Whatever the daemon opened without O_CLOEXEC (a descriptor from a library, an inherited
// one) must not leak into the new image, where nothing would ever close it: only the two
// handed-over descriptors and 0-2 cross.
void close_on_exec_all_but(int keep_a, int keep_b) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return;
  int own = ::dirfd(dir);
  while (dirent* e = ::readdir(dir)) {
    int fd = -1;
    std::string_view name = e->d_name;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), fd);
    if (ec != std::errc{} || end != name.data() + name.size()) continue;
    if (fd <= 2 || fd == own || fd == keep_a || fd == keep_b) continue;
    set_cloexec(fd, true);
  }
  ::closedir(dir);
}

bool parse_fd(std::string_view text, int& fd) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), fd);
  return ec == std::errc{} && end == text.data() + text.size() && fd > 2;
}

status handover_error(const std::string& value, const std::string& why) {
  return {errc::internal,
          std::string("unable to take over from the shoald executed before this one: ") +
              reexec_variable + "='" + value + "' " + why +
              "; start shoald again without that variable"};
}

}  // namespace

result<std::optional<reexec_handover>> take_reexec_handover() {
  const char* raw = std::getenv(reexec_variable);
  if (!raw) return std::optional<reexec_handover>{};
  std::string value = raw;
  ::unsetenv(reexec_variable);
  // "LISTEN_FD OWNS CLIENT_FD ID": the id last, as JSON, which holds no newline.
  std::size_t a = value.find(' ');
  std::size_t b = a == std::string::npos ? a : value.find(' ', a + 1);
  std::size_t c = b == std::string::npos ? b : value.find(' ', b + 1);
  if (c == std::string::npos) return handover_error(value, "is not 'FD OWNS FD ID'");
  reexec_handover h;
  std::string_view v = value;
  std::string_view owns = v.substr(a + 1, b - a - 1);
  if (!parse_fd(v.substr(0, a), h.listen_fd) ||
      !parse_fd(v.substr(b + 1, c - b - 1), h.client_fd) || (owns != "0" && owns != "1"))
    return handover_error(value, "is not 'FD OWNS FD ID'");
  h.owns_path = owns == "1";
  h.id = json::parse(value.substr(c + 1), nullptr, false);
  if (h.id.is_discarded()) return handover_error(value, "does not end with a JSON request id");
  for (int fd : {h.listen_fd, h.client_fd})
    if (::fcntl(fd, F_GETFD) < 0 || !set_cloexec(fd, true))
      return handover_error(value, "names fd " + std::to_string(fd) + ", which is not open");
  return std::optional<reexec_handover>(std::move(h));
}

status reexec_self(const std::string& executable, const std::vector<std::string>& argv,
                   const reexec_handover& handover) {
  std::string value = std::to_string(handover.listen_fd) + (handover.owns_path ? " 1 " : " 0 ") +
                      std::to_string(handover.client_fd) + " " + handover.id.dump();
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  close_on_exec_all_but(handover.listen_fd, handover.client_fd);
  if (!set_cloexec(handover.listen_fd, false) || !set_cloexec(handover.client_fd, false)) {
    int err = errno;
    set_cloexec(handover.listen_fd, true);
    set_cloexec(handover.client_fd, true);
    return status::from_errno(errc::internal, "unable to keep the socket open across exec", err);
  }
  ::setenv(reexec_variable, value.c_str(), 1);
  int err = 0;
  {
    // The new image starts with the soft limit this one started with, remembers it for the
    // children and raises its own again, as at a first start.
    started_descriptor_limit_scope started_limit;
    ::execv(executable.c_str(), args.data());
    err = errno;
  }
  ::unsetenv(reexec_variable);
  set_cloexec(handover.listen_fd, true);
  set_cloexec(handover.client_fd, true);
  return status::from_errno(errc::spawn_failed, "unable to execute '" + executable + "'", err);
}

void answer_handover(int fd, const json& reply) {
  std::string line = to_line(reply);
  ::send(fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::close(fd);
}

std::string own_executable() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace shoal
