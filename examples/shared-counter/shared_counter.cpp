// The smallest user of common/shoal/shared.hpp: locked increments of a shared counter.
//   shared_counter add NAME N   N times: take the lock, NAME += 1, release (typecode q)
//   shared_counter hold [LOCK]  take the lock (or the named lock LOCK), print "held PID", and
//                               keep it until killed
// Run it through `shoal start` (which sets SHOAL_SHM and SHOAL_LOCK), several at once: the
// total is exact because every read-modify-write happens under the lock.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "shoal/shared.hpp"

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::string mode = argc > 1 ? argv[1] : "";
  try {
    auto shm = shoal::shared_memory::attach();
    if (mode == "add" && argc == 4) {
      auto counter = shm.value<std::int64_t>(argv[2]);
      long n = std::strtol(argv[3], nullptr, 10);
      bool died = false;
      for (long i = 0; i < n; ++i) {
        shoal::lock_guard hold(shm.lock());
        died = died || hold.previous_owner_died();
        counter.store(counter.load() + 1);
      }
      std::printf("added %ld%s\n", n, died ? " (a previous owner of the lock died)" : "");
      return 0;
    }
    if (mode == "hold" && argc <= 3) {
      auto named = argc == 3 ? std::optional<shoal::shared_lock>(shm.lock(argv[2])) : std::nullopt;
      shoal::lock_guard hold(named ? *named : shm.lock());
      std::printf("held %d\n", static_cast<int>(::getpid()));
      for (;;) ::pause();
    }
  } catch (const shoal::shared_error& e) {
    std::fprintf(stderr, "shared_counter: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: shared_counter add NAME N | shared_counter hold [LOCK]\n");
  return 2;
}
