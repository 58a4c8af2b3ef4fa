#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "daemon/socket_activation.hpp"

namespace {

// Puts a descriptor at fd 3, where a service manager passes the first socket, and puts back
// whatever the test runner had there afterwards.
struct fd3_slot {
  int saved = -1;
  fd3_slot() {
    if (fcntl(3, F_GETFD) >= 0) saved = fcntl(3, F_DUPFD_CLOEXEC, 10);
    close(3);
  }
  ~fd3_slot() {
    close(3);
    if (saved >= 0) {
      dup2(saved, 3);
      close(saved);
    }
  }
  // The descriptor as a fresh socket() would leave it: without close-on-exec.
  void put(int fd) {
    if (fd != 3) {
      REQUIRE(dup2(fd, 3) == 3);
      close(fd);
    }
    REQUIRE(fcntl(3, F_SETFD, 0) == 0);
  }
};

struct unix_socket {
  std::string path;
  int fd = -1;
  unix_socket(int type, bool do_listen) {
    path = "/tmp/shoal-test-activation-" + std::to_string(getpid()) + "-" +
           std::to_string(std::random_device{}()) + ".sock";
    fd = socket(AF_UNIX, type, 0);
    REQUIRE(fd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    if (do_listen) REQUIRE(listen(fd, 8) == 0);
  }
  ~unix_socket() { unlink(path.c_str()); }
};

void set_listen_env(const std::string& pid, const std::string& fds, const char* names) {
  setenv("LISTEN_PID", pid.c_str(), 1);
  setenv("LISTEN_FDS", fds.c_str(), 1);
  if (names)
    setenv("LISTEN_FDNAMES", names, 1);
  else
    unsetenv("LISTEN_FDNAMES");
}

bool env_cleared() {
  return !std::getenv("LISTEN_PID") && !std::getenv("LISTEN_FDS") && !std::getenv("LISTEN_FDNAMES");
}

std::string me() { return std::to_string(getpid()); }

}  // namespace

TEST_CASE("socket activation: without LISTEN_FDS the daemon binds its own socket") {
  unsetenv("LISTEN_FDS");
  setenv("LISTEN_PID", me().c_str(), 1);  // a stray variable alone means nothing
  auto taken = shoal::take_activated_socket();
  REQUIRE(taken.ok());
  CHECK_FALSE(taken->activated());
  CHECK(env_cleared());
}

TEST_CASE("socket activation: a listening Unix socket on fd 3 is taken, made close-on-exec") {
  fd3_slot slot;
  unix_socket s(SOCK_STREAM, true);
  std::string path = s.path;
  slot.put(s.fd);
  REQUIRE((fcntl(3, F_GETFD) & FD_CLOEXEC) == 0);
  set_listen_env(me(), "1", "shoald.socket");

  auto taken = shoal::take_activated_socket();
  REQUIRE_MESSAGE(taken.ok(), (taken.ok() ? "" : taken.error().message()));
  CHECK(taken->activated());
  CHECK(taken->fd == 3);
  CHECK(taken->name == "shoald.socket");
  CHECK(taken->path == path);
  CHECK((fcntl(3, F_GETFD) & FD_CLOEXEC) != 0);
  CHECK(env_cleared());
}

TEST_CASE("socket activation: descriptors meant for another pid are refused") {
  fd3_slot slot;
  unix_socket s(SOCK_STREAM, true);
  slot.put(s.fd);
  set_listen_env(std::to_string(getpid() + 1), "1", nullptr);
  auto taken = shoal::take_activated_socket();
  REQUIRE_FALSE(taken.ok());
  CHECK(taken.error().message().find("LISTEN_PID") != std::string::npos);
  CHECK(env_cleared());
}

TEST_CASE("socket activation: malformed or unexpected counts are refused") {
  fd3_slot slot;
  unix_socket s(SOCK_STREAM, true);
  slot.put(s.fd);
  for (const char* fds : {"2", "0", "one", ""}) {
    CAPTURE(fds);
    set_listen_env(me(), fds, nullptr);
    auto taken = shoal::take_activated_socket();
    REQUIRE_FALSE(taken.ok());
    CHECK(taken.error().message().find("LISTEN_FDS") != std::string::npos);
    CHECK(env_cleared());
  }
  set_listen_env("12x", "1", nullptr);
  CHECK_FALSE(shoal::take_activated_socket().ok());
}

TEST_CASE("socket activation: fd 3 must be an open, listening AF_UNIX stream socket") {
  fd3_slot slot;
  SUBCASE("closed") {
    set_listen_env(me(), "1", nullptr);
    auto taken = shoal::take_activated_socket();
    REQUIRE_FALSE(taken.ok());
    CHECK(taken.error().message().find("not open") != std::string::npos);
  }
  SUBCASE("a regular file") {
    int fd = open("/dev/null", O_RDONLY);
    REQUIRE(fd >= 0);
    slot.put(fd);
    set_listen_env(me(), "1", nullptr);
    auto taken = shoal::take_activated_socket();
    REQUIRE_FALSE(taken.ok());
    CHECK(taken.error().message().find("not a socket") != std::string::npos);
  }
  SUBCASE("a datagram socket") {
    unix_socket s(SOCK_DGRAM, false);
    slot.put(s.fd);
    set_listen_env(me(), "1", nullptr);
    auto taken = shoal::take_activated_socket();
    REQUIRE_FALSE(taken.ok());
    CHECK(taken.error().message().find("SOCK_STREAM") != std::string::npos);
  }
  SUBCASE("bound but not listening") {
    unix_socket s(SOCK_STREAM, false);
    slot.put(s.fd);
    set_listen_env(me(), "1", nullptr);
    auto taken = shoal::take_activated_socket();
    REQUIRE_FALSE(taken.ok());
    CHECK(taken.error().message().find("not listening") != std::string::npos);
  }
  SUBCASE("a TCP socket") {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(fd, 1) == 0);
    slot.put(fd);
    set_listen_env(me(), "1", nullptr);
    auto taken = shoal::take_activated_socket();
    REQUIRE_FALSE(taken.ok());
    CHECK(taken.error().message().find("AF_UNIX") != std::string::npos);
  }
  CHECK(env_cleared());
}
