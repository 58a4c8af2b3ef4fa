#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>

#include "daemon/lock_keeper.hpp"
#include "daemon/named_lock.hpp"
#include "daemon/pidfd.hpp"
#include "shoal/lock_record.hpp"

using namespace std::chrono_literals;

// Asio keeps one reactor record per registered descriptor and reuses a freed one for the next
// registration. When a descriptor is closed while its readiness is already queued in the same
// batch, that readiness completes whatever wait the reused record serves next. A pidfd watch
// registered at that moment must not take it for the holder's exit.
TEST_CASE("a stale readiness event does not release the lock from a live holder") {
  std::string name = "/shoal-unit-" + std::to_string(::getpid()) + "-stale-lock";
  auto opened = shoal::named_lock::open(name, true);
  REQUIRE(opened.ok());
  auto sem = std::move(*opened);
  shoal::layout::header header{};
  asio::io_context io;
  std::optional<pid_t> recovered;
  {
    shoal::lock_keeper keeper(io, *sem, header.lock);
    keeper.on_recovered([&](pid_t dead) { recovered = dead; });

    asio::local::stream_protocol::socket closed_one(io), closed_peer(io), trigger(io),
        trigger_peer(io);
    asio::local::connect_pair(closed_one, closed_peer);
    asio::local::connect_pair(trigger, trigger_peer);
    bool handed = false;
    // Runs first in the batch: closes a socket whose readiness is queued behind it, then
    // hands the lock to this (live) process, whose pidfd watch gets the freed record.
    trigger.async_wait(asio::socket_base::wait_read, [&](const asio::error_code& ec) {
      REQUIRE_FALSE(ec);
      asio::error_code ignored;
      closed_one.close(ignored);
      REQUIRE(sem->try_acquire());
      int pidfd = shoal::pidfd_open(::getpid());
      REQUIRE(pidfd >= 0);
      keeper.hand_to(::getpid(), pidfd);
      handed = true;
    });
    closed_one.async_wait(asio::socket_base::wait_read, [](const asio::error_code&) {});
    io.poll();  // both waits are registered before either socket becomes readable

    // Readable in this order, so one epoll_wait returns both, the trigger first.
    char byte = 'x';
    REQUIRE(::write(trigger_peer.native_handle(), &byte, 1) == 1);
    REQUIRE(::write(closed_peer.native_handle(), &byte, 1) == 1);
    auto deadline = std::chrono::steady_clock::now() + 2s;
    while (!handed && std::chrono::steady_clock::now() < deadline) {
      io.run_for(10ms);
      io.restart();
    }
    REQUIRE(handed);
    io.run_for(200ms);

    CHECK_FALSE(recovered.has_value());
    CHECK(shoal::lock_record::owner(header.lock) == ::getpid());
    CHECK(sem->held());
    CHECK(header.lock.owner_died == 0);
  }
  if (sem->held()) sem->release();
  shoal::named_lock::remove(name);
}
