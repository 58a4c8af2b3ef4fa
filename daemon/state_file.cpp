#include "daemon/state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/unique_fd.hpp"

namespace shoal {

result<std::optional<std::string>> read_state_file(const std::string& path) {
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    if (errno == ENOENT) return std::optional<std::string>();
    return status::from_errno(errc::internal, "unable to read '" + path + "'", errno);
  }
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return status::from_errno(errc::internal, "unable to read '" + path + "'", errno);
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return std::optional<std::string>(std::move(text));
}

status replace_state_file(const std::string& path, std::string_view text) {
  std::string tmp = path + ".tmp";
  auto fail = [&](const std::string& what, int err) {
    ::unlink(tmp.c_str());
    return status::from_errno(errc::internal, "unable to " + what + " '" + tmp + "'", err);
  };
  unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return fail("create", errno);
  for (std::size_t off = 0; off < text.size();) {
    ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("write", n < 0 ? errno : EIO);
    off += static_cast<std::size_t>(n);
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename", errno);
  return {};
}

}  // namespace shoal
