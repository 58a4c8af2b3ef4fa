#include "daemon/private_directory.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace shoal {

status make_private_dir(const std::string& path) {
  // Each prefix that ends a component: "/a/b" makes "/a", then "/a/b".
  for (std::size_t end = 1; end <= path.size(); ++end) {
    if (end < path.size() && path[end] != '/') continue;
    if (path[end - 1] == '/') continue;  // "a//b", or a trailing '/'
    std::string built = path.substr(0, end);
    if (::mkdir(built.c_str(), 0700) != 0 && errno != EEXIST)
      return status::from_errno(errc::internal, "unable to create directory '" + built + "'",
                                errno);
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return {errc::internal, "'" + path + "' is not a directory"};
  return {};
}

status check_owned_private(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return status::from_errno(errc::internal, "unable to inspect '" + path + "'", errno);
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0)
    return {errc::internal, "'" + path + "' must be a directory owned by uid " +
                                std::to_string(::geteuid()) +
                                " with mode 0700; remove it or choose --socket and --state-dir"};
  return {};
}

}  // namespace shoal
