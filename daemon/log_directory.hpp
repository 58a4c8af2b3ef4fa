// STATE_DIR/logs, held open as a directory descriptor for the daemon's whole life. Every log
// file is created, opened, renamed and deleted relative to it (openat, renameat, unlinkat)
// and never through a symbolic link: a `logs/` swapped for a link after start-up is not
// followed (the daemon keeps writing into the directory it opened), and a NAME.out planted as
// a link is refused, so no name in that directory can make the daemon create, truncate,
// append to or delete a file elsewhere.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "common/unique_fd.hpp"

namespace shoal {

class log_directory {
 public:
  // Opens `path`, creating it mode 0700 when missing. Refuses a symbolic link in its last
  // component and anything that is not a directory. Earlier components are the state
  // directory's, which the daemon checks when it starts.
  static result<std::shared_ptr<const log_directory>> open(const std::string& path);

  const std::string& path() const { return path_; }
  // PATH/FILE, for messages.
  std::string path_of(std::string_view file) const;

  // For writing at the offsets the log keeps (not O_APPEND: splice(2) refuses to write to
  // such a file), created 0600 when missing; refused (ELOOP) when FILE is a link, and when
  // it is anything but a regular file. The status names the file and the reason.
  result<unique_fd> open_log(const std::string& file) const;
  // What open_log() would refuse without opening anything: a link, or anything but a
  // regular file, under the name. Nothing there is fine (open_log creates it).
  status check_log(const std::string& file) const;
  // Read-only; a missing FILE is errc::not_found.
  result<unique_fd> open_read(const std::string& file) const;
  // renameat within the directory: a link named `to` is replaced, never followed. A missing
  // `from` is errc::not_found.
  status rename(const std::string& from, const std::string& to) const;
  // unlinkat; a missing FILE is not an error.
  status remove(const std::string& file) const;
  // Whether anything (a file, a link, ...) has that name.
  bool exists(const std::string& file) const;
  // The size of FILE when it is a regular file; nullopt when it is missing or not one.
  std::optional<std::uint64_t> size_of(const std::string& file) const;

 private:
  log_directory(unique_fd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}

  unique_fd fd_;
  std::string path_;
};

}  // namespace shoal
