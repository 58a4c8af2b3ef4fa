#include <doctest/doctest.h>

#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "shoal/shared.hpp"

namespace layout = shoal::layout;
using namespace std::chrono_literals;

namespace {

// A semaphore and a lock record shared with forked children, and no daemon anywhere: what a
// waiter of the library does alone.
struct orphan_lock {
  std::string name = "/shoal-unit-" + std::to_string(::getpid()) + "-waiter";
  sem_t* sem = SEM_FAILED;
  layout::lock_state* state = nullptr;

  orphan_lock() {
    ::sem_unlink(name.c_str());
    sem = ::sem_open(name.c_str(), O_CREAT | O_EXCL, 0600, 1);
    REQUIRE(sem != SEM_FAILED);
    void* p = ::mmap(nullptr, sizeof(layout::lock_state), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    state = new (p) layout::lock_state{};
  }
  ~orphan_lock() {
    ::munmap(state, sizeof(layout::lock_state));
    ::sem_close(sem);
    ::sem_unlink(name.c_str());
  }

  // A child that acquires through the library and reports through its exit status whether
  // it was told the previous owner died (0) or not (1). Bounded: killed after `limit`.
  int acquire_in_child(std::chrono::milliseconds limit) {
    pid_t waiter = ::fork();
    if (waiter == 0) {
      shoal::shared_lock lock(sem, state);
      bool died = lock.acquire();
      lock.release();
      ::_exit(died ? 0 : 1);
    }
    REQUIRE(waiter > 0);
    auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    while (::waitpid(waiter, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(waiter, SIGKILL);
        ::waitpid(waiter, &status, 0);
        return -1;  // still waiting: the lock was never taken back
      }
      std::this_thread::sleep_for(5ms);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

}  // namespace

TEST_CASE("a waiter of the library takes the lock back from a holder that died, with no daemon") {
  orphan_lock l;
  pid_t holder = ::fork();
  if (holder == 0) {
    shoal::shared_lock lock(l.sem, l.state);
    lock.acquire();
    ::_exit(0);  // dies holding it
  }
  REQUIRE(holder > 0);
  int status = 0;
  REQUIRE(::waitpid(holder, &status, 0) == holder);
  REQUIRE(shoal::lock_record::owner(*l.state) == holder);
  CHECK(l.acquire_in_child(5000ms) == 0);  // got it, and was told
  CHECK(shoal::lock_record::owner(*l.state) == 0);
  int value = 0;
  ::sem_getvalue(l.sem, &value);
  CHECK(value == 1);  // posted exactly once
}

TEST_CASE("a waiter of the library takes back a hold nobody recorded after the grace") {
  orphan_lock l;
  REQUIRE(::sem_trywait(l.sem) == 0);  // taken, and its taker "died" before writing its pid
  auto started = std::chrono::steady_clock::now();
  CHECK(l.acquire_in_child(6000ms) == 0);
  CHECK(std::chrono::steady_clock::now() - started >= 1s);
  int value = 0;
  ::sem_getvalue(l.sem, &value);
  CHECK(value == 1);
}

TEST_CASE("a waiter of the library leaves a live holder alone") {
  orphan_lock l;
  pid_t holder = ::fork();
  if (holder == 0) {
    shoal::shared_lock lock(l.sem, l.state);
    lock.acquire();
    ::pause();
    ::_exit(0);
  }
  REQUIRE(holder > 0);
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (shoal::lock_record::owner(*l.state) != holder &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(2ms);
  REQUIRE(shoal::lock_record::owner(*l.state) == holder);
  // Several slices and well past the grace: still waiting, the holder untouched.
  CHECK(l.acquire_in_child(1500ms) == -1);
  CHECK(shoal::lock_record::owner(*l.state) == holder);
  ::kill(holder, SIGKILL);
  ::waitpid(holder, nullptr, 0);
  CHECK(l.acquire_in_child(5000ms) == 0);
}
