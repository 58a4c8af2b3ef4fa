#include "daemon/state_directory.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "daemon/private_directory.hpp"
#include "daemon/shared_names.hpp"

namespace shoal {
namespace {

constexpr const char* pid_file = "shoald.pid";
constexpr const char* name_file = "shared-name";
constexpr const char* name_file_new = "shared-name.new";

std::string in_quotes(const std::string& path) { return "'" + path + "'"; }

// Whoever can write a directory can put a symlink or a file of their own where the daemon
// creates, adopts or deletes one.
status check_trusted(const struct stat& st, const std::string& path, const char* what) {
  const uid_t self = ::geteuid();
  const std::string subject = std::string("refusing ") + what + " " + in_quotes(path) + ": ";
  if (!S_ISDIR(st.st_mode)) return {errc::internal, subject + "it is not a directory"};
  if (st.st_uid != self)
    return {errc::internal, subject + "it belongs to uid " + std::to_string(st.st_uid) +
                                ", not to uid " + std::to_string(self) +
                                " that runs shoald; chown it to uid " + std::to_string(self) +
                                " or choose another --state-dir"};
  if ((st.st_mode & 022) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    const char* who = (st.st_mode & 022) == 022 ? "group and others"
                      : (st.st_mode & 020)      ? "group"
                                                : "others";
    return {errc::internal, subject + "its mode " + mode + " lets " + who +
                                " write in it; run 'chmod go-w " + path +
                                "' or choose another --state-dir"};
  }
  return {};
}

result<std::string> read_small_file(int dir, const char* name, const std::string& shown) {
  unique_fd fd(::openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::string();
    return status::from_errno(errc::internal, "unable to read " + shown, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return status::from_errno(errc::internal, "unable to inspect " + shown, errno);
  if (!S_ISREG(st.st_mode) || st.st_size > 256)
    return status{errc::internal, "refusing to read " + shown + ": it is not a small regular file"};
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  ssize_t n = ::pread(fd.get(), text.data(), text.size(), 0);
  if (n < 0) return status::from_errno(errc::internal, "unable to read " + shown, errno);
  text.resize(static_cast<std::size_t>(n));
  return text;
}

}  // namespace

result<state_directory> state_directory::open(const std::string& path, bool create) {
  if (create)
    if (auto made = make_private_dir(path); !made) return made;
  unique_fd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) {
    if (errno == ENOENT && !create)
      return status{errc::not_found, "no state directory " + in_quotes(path)};
    return status::from_errno(errc::internal, "unable to open state directory " + in_quotes(path),
                              errno);
  }
  struct stat st {};
  if (::fstat(dir.get(), &st) != 0)
    return status::from_errno(errc::internal,
                              "unable to inspect state directory " + in_quotes(path), errno);
  if (auto trusted = check_trusted(st, path, "state directory"); !trusted) return trusted;

  const std::string logs = path + "/logs";
  if (create && ::mkdirat(dir.get(), "logs", 0700) != 0 && errno != EEXIST)
    return status::from_errno(errc::internal, "unable to create directory " + in_quotes(logs),
                              errno);
  if (::fstatat(dir.get(), "logs", &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode))
      return status{errc::internal, "refusing log directory " + in_quotes(logs) +
                                        ": it is a symbolic link; make it a directory of its own"};
    if (auto trusted = check_trusted(st, logs, "log directory"); !trusted) return trusted;
  } else if (create || errno != ENOENT) {
    return status::from_errno(errc::internal, "unable to inspect log directory " + in_quotes(logs),
                              errno);
  }
  return state_directory(path, std::move(dir));
}

status state_directory::lock_instance() {
  const std::string shown = file(pid_file);
  unique_fd fd(::openat(dir_.get(), pid_file, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return status::from_errno(errc::internal, "unable to open " + shown, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
    return {errc::internal, "refusing to use " + shown + ": it is not a regular file"};
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK)
      return status::from_errno(errc::internal, "unable to lock " + shown, errno);
    // The holder writes its pid just after it locks: an empty file is a daemon starting.
    auto text = read_small_file(dir_.get(), pid_file, shown);
    std::string pid = text && !text->empty() ? text->substr(0, text->find('\n')) : "unknown";
    return {errc::already_exists, "state directory " + in_quotes(path_) +
                                      " is in use by a live shoald (pid " + pid + ")"};
  }
  std::string text = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) != 0 ||
      ::pwrite(fd.get(), text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
    return status::from_errno(errc::internal, "unable to write " + shown, errno);
  lock_ = std::move(fd);
  return {};
}

result<std::string> state_directory::shared_name() const {
  const std::string shown = file(name_file);
  auto text = read_small_file(dir_.get(), name_file, shown);
  if (!text) return text.error();
  std::string name = *text;
  if (name.empty()) return name;
  if (name.back() == '\n') name.pop_back();
  if (!is_base_name(name))
    return status{errc::internal, shown +
                                      " does not hold a name shoald writes; remove it to start " +
                                      "with a new, empty shared segment"};
  return name;
}

status state_directory::record_shared_name(const std::string& base) {
  const std::string shown = file(name_file);
  unique_fd fd(::openat(dir_.get(), name_file_new,
                        O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd)
    return status::from_errno(errc::internal, "unable to write " + file(name_file_new), errno);
  std::string text = base + "\n";
  ssize_t written = ::write(fd.get(), text.data(), text.size());
  int err = written < 0 ? errno : ENOSPC;  // a short write of a few bytes: the disk is full
  if (written == static_cast<ssize_t>(text.size())) err = ::fsync(fd.get()) == 0 ? 0 : errno;
  if (err != 0) {
    ::unlinkat(dir_.get(), name_file_new, 0);
    return status::from_errno(errc::internal, "unable to write " + file(name_file_new), err);
  }
  if (::renameat(dir_.get(), name_file_new, dir_.get(), name_file) != 0) {
    err = errno;
    ::unlinkat(dir_.get(), name_file_new, 0);
    return status::from_errno(errc::internal, "unable to record the shared name in " + shown, err);
  }
  ::fsync(dir_.get());
  return {};
}

status state_directory::forget_shared_name() {
  if (::unlinkat(dir_.get(), name_file, 0) != 0 && errno != ENOENT)
    return status::from_errno(errc::internal, "unable to remove " + file(name_file), errno);
  return {};
}

}  // namespace shoal
