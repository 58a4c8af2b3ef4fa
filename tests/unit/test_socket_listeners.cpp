#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "daemon/socket_listeners.hpp"
#include "unit/temp_dir.hpp"

using namespace shoal;

namespace {

// A Unix stream socket bound to `path`; listening when `listen_too`.
int bound_socket(const std::string& path, bool listen_too) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof addr.sun_path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  if (listen_too) REQUIRE(::listen(fd, 1) == 0);
  return fd;
}

}  // namespace

TEST_CASE("someone_listens_on finds a listening socket by its path, spaces and all") {
  shoal::testing::temp_dir tmp;
  std::string listening = tmp.path + "/a socket with spaces";
  std::string only_bound = tmp.path + "/bound";
  CHECK_FALSE(someone_listens_on(listening));
  int l = bound_socket(listening, true);
  int b = bound_socket(only_bound, false);
  CHECK(someone_listens_on(listening));
  CHECK_FALSE(someone_listens_on(only_bound));
  CHECK_FALSE(someone_listens_on(tmp.path + "/a socket"));  // a prefix of the path is not it
  ::close(l);
  ::close(b);
  CHECK_FALSE(someone_listens_on(listening));
}
