#include "daemon/log_directory.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "daemon/path_text.hpp"

namespace shoal {
namespace {

std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

status link_refused(const std::string& path) {
  return status{errc::internal,
                "unable to open log file " + in_quotes(path) +
                    ": it is a symbolic link, which shoald never follows; remove it"};
}

status not_regular(const std::string& path) {
  return status{errc::internal,
                "log file " + in_quotes(path) + " is not a regular file; remove it"};
}

}  // namespace

result<std::shared_ptr<const log_directory>> log_directory::open(const std::string& path) {
  std::string p = normal_path(path);
  std::string parent = parent_of(p);
  std::string leaf = leaf_of(p);
  unique_fd parent_fd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!parent_fd)
    return status::from_errno(errc::internal, "unable to open directory " + in_quotes(parent),
                              errno);
  if (::mkdirat(parent_fd.get(), leaf.c_str(), 0700) != 0 && errno != EEXIST)
    return status::from_errno(errc::internal, "unable to create directory " + in_quotes(path),
                              errno);
  unique_fd fd(
      ::openat(parent_fd.get(), leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    int err = errno;
    struct stat st {};
    if (::fstatat(parent_fd.get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISLNK(st.st_mode))
      return status{errc::internal, "the log directory " + in_quotes(path) +
                                        " is a symbolic link, which shoald never follows; "
                                        "remove it and shoald creates the directory"};
    return status::from_errno(errc::internal, "unable to open the log directory " + in_quotes(path),
                              err);
  }
  return std::shared_ptr<const log_directory>(new log_directory(std::move(fd), p));
}

std::string log_directory::path_of(std::string_view file) const {
  return path_ + "/" + std::string(file);
}

result<unique_fd> log_directory::open_log(const std::string& file) const {
  // O_NONBLOCK: a FIFO planted under the name must not block the daemon's loop in open().
  unique_fd fd(::openat(fd_.get(), file.c_str(),
                        O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600));
  if (!fd) {
    int err = errno;
    if (err == ELOOP) return link_refused(path_of(file));
    return status::from_errno(errc::internal, "unable to open log file " + in_quotes(path_of(file)),
                              err);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return status::from_errno(errc::internal,
                              "unable to inspect log file " + in_quotes(path_of(file)), errno);
  if (!S_ISREG(st.st_mode)) return not_regular(path_of(file));
  return fd;
}

status log_directory::check_log(const std::string& file) const {
  struct stat st {};
  if (::fstatat(fd_.get(), file.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return {};
    return status::from_errno(errc::internal,
                              "unable to inspect log file " + in_quotes(path_of(file)), errno);
  }
  if (S_ISLNK(st.st_mode)) return link_refused(path_of(file));
  if (!S_ISREG(st.st_mode)) return not_regular(path_of(file));
  return {};
}

result<unique_fd> log_directory::open_read(const std::string& file) const {
  unique_fd fd(::openat(fd_.get(), file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd) {
    int err = errno;
    return status::from_errno(err == ENOENT ? errc::not_found : errc::internal,
                              "unable to read log file " + in_quotes(path_of(file)), err);
  }
  return fd;
}

status log_directory::rename(const std::string& from, const std::string& to) const {
  if (::renameat(fd_.get(), from.c_str(), fd_.get(), to.c_str()) != 0) {
    int err = errno;
    return status::from_errno(
        err == ENOENT ? errc::not_found : errc::internal,
        "unable to rename log file " + in_quotes(path_of(from)) + " to " + in_quotes(to), err);
  }
  return {};
}

status log_directory::remove(const std::string& file) const {
  if (::unlinkat(fd_.get(), file.c_str(), 0) != 0 && errno != ENOENT)
    return status::from_errno(errc::internal,
                              "unable to delete log file " + in_quotes(path_of(file)), errno);
  return {};
}

bool log_directory::exists(const std::string& file) const {
  struct stat st {};
  return ::fstatat(fd_.get(), file.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

std::optional<std::uint64_t> log_directory::size_of(const std::string& file) const {
  struct stat st {};
  if (::fstatat(fd_.get(), file.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
    return std::nullopt;
  return static_cast<std::uint64_t>(st.st_size);
}

}  // namespace shoal
