#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "daemon/sd_notify.hpp"

namespace {

// A datagram socket standing in for the service manager's notification socket.
struct fake_manager {
  int fd = -1;
  std::string address;  // in NOTIFY_SOCKET syntax
  std::string path;     // to unlink; "" when abstract

  explicit fake_manager(bool abstract) {
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    std::string unique = std::to_string(getpid()) + "-" + std::to_string(std::random_device{}());
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    socklen_t len = 0;
    if (abstract) {
      std::string name = "shoal-test-notify-" + unique;
      address = "@" + name;
      std::memcpy(addr.sun_path + 1, name.data(), name.size());
      len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    } else {
      path = "/tmp/shoal-test-notify-" + unique + ".sock";
      address = path;
      std::memcpy(addr.sun_path, path.data(), path.size());
      len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
    }
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0);
    timeval limit{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  }
  ~fake_manager() {
    close(fd);
    if (!path.empty()) unlink(path.c_str());
  }
  std::string receive() {
    char buffer[4096];
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    return n < 0 ? std::string("<nothing received>")
                 : std::string(buffer, static_cast<std::size_t>(n));
  }
};

}  // namespace

TEST_CASE("sd_notify: without NOTIFY_SOCKET every message is a successful no-op") {
  unsetenv("NOTIFY_SOCKET");
  auto notifier = shoal::sd_notifier::from_environment();
  REQUIRE(notifier.ok());
  CHECK_FALSE(notifier->enabled());
  CHECK(notifier->ready().ok());
  CHECK(notifier->stopping().ok());
}

TEST_CASE("sd_notify: READY, STATUS, STOPPING and MAINPID reach a path socket, one datagram each") {
  fake_manager manager(false);
  setenv("NOTIFY_SOCKET", manager.address.c_str(), 1);
  auto notifier = shoal::sd_notifier::from_environment();
  REQUIRE(notifier.ok());
  CHECK(notifier->enabled());
  CHECK(std::getenv("NOTIFY_SOCKET") == nullptr);  // children must not inherit it

  REQUIRE(notifier->ready().ok());
  CHECK(manager.receive() == "READY=1");
  REQUIRE(notifier->set_status("3 running,\n1 exited").ok());
  CHECK(manager.receive() == "STATUS=3 running, 1 exited");
  REQUIRE(notifier->main_pid(4242).ok());
  CHECK(manager.receive() == "MAINPID=4242");
  REQUIRE(notifier->stopping().ok());
  CHECK(manager.receive() == "STOPPING=1");
}

TEST_CASE("sd_notify: an @name reaches the abstract namespace") {
  fake_manager manager(true);
  setenv("NOTIFY_SOCKET", manager.address.c_str(), 1);
  auto notifier = shoal::sd_notifier::from_environment();
  REQUIRE(notifier.ok());
  REQUIRE(notifier->send("READY=1\nSTATUS=serving").ok());
  CHECK(manager.receive() == "READY=1\nSTATUS=serving");
}

TEST_CASE("sd_notify: unusable addresses are refused, and the variable is still unset") {
  setenv("NOTIFY_SOCKET", "relative/notify.sock", 1);
  auto relative = shoal::sd_notifier::from_environment();
  REQUIRE_FALSE(relative.ok());
  CHECK(relative.error().message().find("relative/notify.sock") != std::string::npos);
  CHECK(std::getenv("NOTIFY_SOCKET") == nullptr);

  CHECK_FALSE(shoal::sd_notifier::for_address("/" + std::string(200, 'x')).ok());
}

TEST_CASE("sd_notify: a manager that went away is an error naming the address") {
  auto notifier = shoal::sd_notifier::for_address("/tmp/shoal-test-notify-nobody-listens.sock");
  REQUIRE(notifier.ok());
  auto sent = notifier->ready();
  REQUIRE_FALSE(sent.ok());
  CHECK(sent.message().find("/tmp/shoal-test-notify-nobody-listens.sock") != std::string::npos);
}
