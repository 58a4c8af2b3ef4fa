#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "daemon/lock_keeper.hpp"
#include "daemon/named_lock.hpp"
#include "daemon/pidfd.hpp"
#include "shoal/lock_record.hpp"

namespace layout = shoal::layout;
using namespace std::chrono_literals;

namespace {

// A real named semaphore under a name of this test run's own, and a header to record in.
struct lock_fixture {
  std::string name = "/shoal-unit-" + std::to_string(::getpid()) + "-lock";
  std::unique_ptr<shoal::named_lock> sem;
  layout::header header{};
  asio::io_context io;

  lock_fixture() {
    auto opened = shoal::named_lock::open(name, true);
    REQUIRE(opened.ok());
    sem = std::move(*opened);
  }
  ~lock_fixture() { shoal::named_lock::remove(name); }

  // Runs the loop until `done` or the deadline; false on timeout.
  template <class Pred>
  bool run_until(Pred done, std::chrono::milliseconds limit = 3000ms) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io.run_for(10ms);
      io.restart();
    }
    return true;
  }
};

shoal::lock_keeper::waiter make_waiter(
    std::uint64_t session, std::vector<std::string>& log, std::string tag,
    std::optional<std::chrono::steady_clock::duration> timeout = {}) {
  shoal::lock_keeper::waiter w;
  w.session = session;
  if (timeout) w.deadline = std::chrono::steady_clock::now() + *timeout;
  w.granted = [&log, tag] { log.push_back(tag + " granted"); };
  w.expired = [&log, tag] { log.push_back(tag + " expired"); };
  return w;
}

}  // namespace

TEST_CASE("waiters are served in order, expire on time, and go with their session") {
  lock_fixture f;
  shoal::lock_keeper keeper(f.io, *f.sem, f.header.lock);
  keeper.start();
  std::vector<std::string> log;
  REQUIRE(f.sem->try_acquire());  // someone else holds it
  keeper.enqueue(make_waiter(1, log, "first"));
  keeper.enqueue(make_waiter(2, log, "gone"));
  keeper.enqueue(make_waiter(3, log, "late", 50ms));
  keeper.enqueue(make_waiter(4, log, "second"));
  keeper.drop_session(2);
  CHECK(f.run_until([&] { return log.size() == 1; }));
  CHECK(log == std::vector<std::string>{"late expired"});
  f.sem->release();
  CHECK(f.run_until([&] { return log.size() == 2; }));
  CHECK(log.back() == "first granted");  // and holds it now: "second" still waits
  f.io.run_for(30ms);
  CHECK(log.size() == 2);
  f.sem->release();
  CHECK(f.run_until([&] { return log.size() == 3; }));
  CHECK(log.back() == "second granted");
}

TEST_CASE("run_locked releases the lock as soon as the critical section returns") {
  lock_fixture f;
  shoal::lock_keeper keeper(f.io, *f.sem, f.header.lock);
  bool ran = false;
  shoal::lock_keeper::waiter w;
  w.granted = [&] {
    ran = true;
    CHECK(f.sem->held());
  };
  w.expired = [] { FAIL("a free lock must not expire"); };
  keeper.run_locked(std::move(w));
  CHECK(ran);
  CHECK_FALSE(f.sem->held());
}

TEST_CASE("a holder that dies is released and the next acquirer is told") {
  lock_fixture f;
  shoal::lock_keeper keeper(f.io, *f.sem, f.header.lock);
  keeper.start();
  pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  REQUIRE(child > 0);
  REQUIRE(f.sem->try_acquire());
  CHECK_FALSE(keeper.hand_to(child, shoal::pidfd_open(child)));
  CHECK(keeper.describe_status()["owner"] == child);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  CHECK(f.run_until([&] { return !f.sem->held(); }, 1000ms));
  CHECK(shoal::lock_record::owner(f.header.lock) == 0);
  REQUIRE(f.sem->try_acquire());
  CHECK(shoal::lock_record::note_acquired(f.header.lock, ::getpid()));
}

TEST_CASE("a lock held with no recorded holder is released a second after it is first seen") {
  lock_fixture f;
  shoal::lock_keeper keeper(f.io, *f.sem, f.header.lock);
  keeper.start();
  REQUIRE(f.sem->try_acquire());
  auto started = std::chrono::steady_clock::now();
  // One look (a lock status) is enough: nobody needs to ask again.
  CHECK(keeper.describe_status()["held"] == true);
  CHECK(f.run_until([&] { return !f.sem->held(); }, 3000ms));
  CHECK(std::chrono::steady_clock::now() - started >= 1s);
  CHECK(f.header.lock.owner_died == 1);
}

TEST_CASE("a waiter behind a hold nobody recorded gets the lock after a second") {
  lock_fixture f;
  shoal::lock_keeper keeper(f.io, *f.sem, f.header.lock);
  keeper.start();
  REQUIRE(f.sem->try_acquire());
  std::vector<std::string> log;
  auto started = std::chrono::steady_clock::now();
  keeper.enqueue(make_waiter(1, log, "waiter"));
  CHECK(f.run_until([&] { return !log.empty(); }, 3000ms));
  CHECK(log == std::vector<std::string>{"waiter granted"});
  CHECK(std::chrono::steady_clock::now() - started >= 1s);
}

// The daemon's idle cost: with the lock free, or held by a holder it watches through a
// pidfd, it arms no timer, so its loop sleeps until something happens.
TEST_CASE("an idle keeper arms no timer") {
  lock_fixture f;
  shoal::lock_keeper keeper(f.io, *f.sem, f.header.lock);
  keeper.start();
  CHECK(keeper.describe_status()["held"] == false);
  CHECK(f.io.run_for(300ms) == 0);
  CHECK(f.io.stopped());  // out of work: nothing was pending at all

  // Held through the library by a live process: watched, and still no handler runs.
  f.io.restart();
  pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  REQUIRE(child > 0);
  REQUIRE(f.sem->try_acquire());
  shoal::lock_record::note_acquired(f.header.lock, child);
  CHECK(keeper.describe_status()["owner"] == child);
  CHECK(f.io.run_for(300ms) == 0);
  // Its death is an event: released with no request in between.
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  CHECK(f.run_until([&] { return !f.sem->held(); }, 2000ms));
  CHECK(f.header.lock.owner_died == 1);
}

TEST_CASE("a holder found dead when someone waits is released at once") {
  lock_fixture f;
  shoal::lock_keeper keeper(f.io, *f.sem, f.header.lock);
  keeper.start();
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  REQUIRE(child > 0);
  REQUIRE(f.sem->try_acquire());
  shoal::lock_record::note_acquired(f.header.lock, child);  // took it through the library...
  ::waitpid(child, nullptr, 0);                             // ...and died, unseen by anyone
  std::vector<std::string> log;
  keeper.enqueue(make_waiter(1, log, "waiter"));
  CHECK(log == std::vector<std::string>{"waiter granted"});  // within the request itself
  CHECK(shoal::lock_record::note_acquired(f.header.lock, ::getpid()));
}

TEST_CASE("a hold whose owner's exit releases it ends without a death") {
  lock_fixture f;
  shoal::lock_keeper keeper(f.io, *f.sem, f.header.lock);
  std::optional<pid_t> recovered;
  keeper.on_recovered([&](pid_t dead) { recovered = dead; });
  keeper.start();
  pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  REQUIRE(child > 0);
  REQUIRE(f.sem->try_acquire());
  keeper.hand_to(child, shoal::pidfd_open(child), true);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  CHECK(f.run_until([&] { return !f.sem->held(); }, 2000ms));
  CHECK_FALSE(recovered.has_value());
  CHECK(f.header.lock.owner_died == 0);
  REQUIRE(f.sem->try_acquire());
  CHECK_FALSE(shoal::lock_record::note_acquired(f.header.lock, ::getpid()));
  f.sem->release();
}

TEST_CASE("release checks the owner unless forced") {
  lock_fixture f;
  shoal::lock_keeper keeper(f.io, *f.sem, f.header.lock);
  pid_t released = 0;
  CHECK(keeper.release_for(::getpid(), false, released).code() == shoal::errc::invalid_state);
  REQUIRE(f.sem->try_acquire());
  keeper.hand_to(::getpid(), shoal::pidfd_open(::getpid()));
  CHECK(keeper.release_for(1, false, released).code() == shoal::errc::not_owner);
  CHECK(f.sem->held());
  CHECK(keeper.release_for(1, true, released).ok());
  CHECK(released == ::getpid());
  CHECK_FALSE(f.sem->held());
}

TEST_CASE("a lock posted once too often is brought back to one free slot") {
  lock_fixture f;
  shoal::lock_keeper keeper(f.io, *f.sem, f.header.lock);
  f.sem->release();  // a second post on a free lock: two could take it now
  keeper.start();
  CHECK(f.run_until(
      [&] {
        if (!f.sem->try_acquire()) return false;
        bool second = f.sem->try_acquire();
        f.sem->release();
        if (second) f.sem->release();
        return !second;
      },
      1000ms));
  REQUIRE(f.sem->try_acquire());
  CHECK_FALSE(f.sem->try_acquire());
  f.sem->release();
}

TEST_CASE("a holder that records no time is reported from when a check first saw it") {
  lock_fixture f;
  shoal::lock_keeper keeper(f.io, *f.sem, f.header.lock);
  keeper.start();
  REQUIRE(f.sem->try_acquire());
  shoal::lock_record::note_acquired(f.header.lock, ::getpid());
  f.header.lock.since_ns = 0;  // as the Python package leaves it
  auto before = shoal::lock_record::realtime_ns();
  std::uint64_t first = keeper.since_of_current_hold();
  CHECK(first >= before);
  CHECK(first <= shoal::lock_record::realtime_ns());
  f.io.run_for(250ms);  // checks in between keep the same hold's time
  CHECK(keeper.since_of_current_hold() == first);
  CHECK(keeper.describe_status()["since"].is_string());
  // A new acquisition (a new sequence) is a new hold.
  shoal::lock_record::note_acquired(f.header.lock, ::getpid());
  f.header.lock.since_ns = 0;
  std::this_thread::sleep_for(2ms);
  CHECK(keeper.since_of_current_hold() > first);
  // A holder that records its time is reported with it.
  f.header.lock.since_ns = 42;
  CHECK(keeper.since_of_current_hold() == 42);
  f.sem->release();
}
