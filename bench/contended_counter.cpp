#include "bench/contended_counter.hpp"

#include <fcntl.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <functional>

#include "bench/samples.hpp"
#include "shoal/shared.hpp"

namespace shoal::bench {
namespace {

// Forks two workers that run `work` (which returns an exit code) and _exit: a worker must never
// return into the benchmark's stack, whose destructors would stop the parent's daemon. `work`
// sets itself up, then calls its argument to wait until both workers are released at once.
// Times from that release to the reaping of both.
using worker_body = std::function<int(const std::function<void()>& wait_for_start)>;

result<double> race_two(long ops, const worker_body& work) {
  int go[2];
  if (::pipe(go) != 0) return status::from_errno(errc::internal, "unable to create a pipe", errno);
  pid_t workers[2] = {-1, -1};
  for (pid_t& w : workers) {
    w = ::fork();
    if (w == 0) {
      ::close(go[1]);
      ::_exit(work([&] {
        char c;
        while (::read(go[0], &c, 1) < 0 && errno == EINTR) {
        }
      }));
    }
    if (w < 0) {
      int e = errno;
      ::close(go[1]);  // releases a worker already forked, which then exits on its own
      ::close(go[0]);
      for (pid_t other : workers)
        if (other > 0) ::waitpid(other, nullptr, 0);
      return status::from_errno(errc::internal, "unable to fork a worker", e);
    }
  }
  ::close(go[0]);
  auto t0 = bench_clock::now();
  ::close(go[1]);  // EOF: both workers start at once
  std::string failed;
  for (pid_t w : workers) {
    int wstatus = 0;
    while (::waitpid(w, &wstatus, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
      failed = "a worker ended with wait status " + std::to_string(wstatus);
  }
  auto ns = elapsed_ns(t0);
  if (!failed.empty()) return status{errc::internal, "contended increments failed: " + failed};
  return static_cast<double>(2 * ops) * 1e9 / static_cast<double>(ns);
}

}  // namespace

result<double> contended_semaphore(long ops) {
  struct shared {
    sem_t sem;
    std::int32_t counter;
  };
  void* at =
      ::mmap(nullptr, sizeof(shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (at == MAP_FAILED)
    return status::from_errno(errc::internal, "unable to map a shared page", errno);
  auto* s = new (at) shared{};
  ::sem_init(&s->sem, 1, 1);
  auto rate = race_two(ops, [&](const std::function<void()>& wait_for_start) {
    wait_for_start();
    for (long i = 0; i < ops; ++i) {
      while (::sem_wait(&s->sem) != 0 && errno == EINTR) {
      }
      std::atomic_ref<std::int32_t> c(s->counter);
      c.store(c.load() + 1);
      ::sem_post(&s->sem);
    }
    return 0;
  });
  std::int32_t end = s->counter;
  ::sem_destroy(&s->sem);
  ::munmap(at, sizeof(shared));
  if (rate && end != 2 * ops)
    return status{errc::internal, "the contended counter ended at " + std::to_string(end) +
                                      ", not " + std::to_string(2 * ops)};
  return rate;
}

result<double> contended_library(const std::string& shm, const std::string& lock,
                                 const std::string& value, long ops) {
  return race_two(ops, [&](const std::function<void()>& wait_for_start) {
    try {
      shared_memory mem(shm, lock);
      auto v = mem.value<std::int32_t>(value);
      wait_for_start();
      for (long i = 0; i < ops; ++i) {
        lock_guard hold(mem.lock());
        v.store(v.load() + 1);
      }
      return 0;
    } catch (const shared_error& e) {
      std::fprintf(stderr, "shoal-bench: unable to use the shared value library: %s\n", e.what());
      return 1;
    }
  });
}

}  // namespace shoal::bench
