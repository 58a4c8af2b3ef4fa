// The salmon run as one program that maps Shoal's segment directly (common/shoal/shared.hpp):
//   salmon_run bear N     catch N salmon, taking one only while salmonCount is positive
//   salmon_run salmon N   jump upstream N times: salmonCount + 1
// Both read-modify-writes happen under the lock guard, which records our pid in the segment
// so that the daemon can release the lock if we die holding it. Sleeps are random, at most
// $SALMON_MAX_SLEEP seconds (default 5, as in the tutorial).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "shoal/shared.hpp"

namespace {

struct fish_story {
  std::string name;
  int pid;
  double max_sleep;
  std::mt19937_64 rng{std::random_device{}()};

  template <class... A>
  void say(const char* fmt, A... args) {
    std::printf("\t[%s (%d)] ", name.c_str(), pid);
    std::printf(fmt, args...);
    std::printf("\n");
  }
  void nap() {
    std::uniform_real_distribution<double> d(0, max_sleep);
    std::this_thread::sleep_for(std::chrono::duration<double>(d(rng)));
  }
};

void warn_if_died(const shoal::lock_guard& hold, fish_story& s) {
  if (hold.previous_owner_died()) s.say("The previous owner of the lock died holding it");
}

int catch_salmon(long n, shoal::shared_memory& shm, fish_story& s) {
  auto count = shm.value<std::int32_t>("salmonCount");
  s.say("Starting the process");
  for (long i = 0; i < n;) {
    s.say("Total Salmon: %d", count.load());
    bool caught = false;
    if (count.load() > 0) {
      shoal::lock_guard hold(shm.lock());
      warn_if_died(hold, s);
      if (count.load() > 0) {
        count.store(count.load() - 1);
        caught = true;
      }
    }
    if (caught) {
      s.say("Woohoo.. Caught a Salmon");
      ++i;
    } else {
      s.say("No Salmon yet. Let us wait again");
      s.nap();
    }
  }
  s.say("Finishing the process");
  return 0;
}

int jump_upstream(long n, shoal::shared_memory& shm, fish_story& s) {
  auto count = shm.value<std::int32_t>("salmonCount");
  s.say("Starting the process");
  for (long i = 0; i < n; ++i) {
    s.nap();
    {
      shoal::lock_guard hold(shm.lock());
      warn_if_died(hold, s);
      count.store(count.load() + 1);
    }
    s.say("One Salmon jumped upstream");
    s.say("Total Salmon: %d", count.load());
  }
  s.say("Finishing the process");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Our stdout is a log file: one line at a time, so `shoal logs --follow` sees each event.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::string role = argc > 1 ? argv[1] : "";
  char* end = nullptr;
  long n = argc > 2 ? std::strtol(argv[2], &end, 10) : 3;
  if ((role != "bear" && role != "salmon") || argc > 3 || (argc > 2 && (*end != '\0' || n < 0))) {
    std::fprintf(stderr, "usage: salmon_run bear|salmon [N]\n");
    return 2;
  }
  const char* env_name = std::getenv("SHOAL_NAME");
  const char* env_sleep = std::getenv("SALMON_MAX_SLEEP");
  fish_story s{env_name ? env_name : role, static_cast<int>(::getpid()),
               env_sleep ? std::atof(env_sleep) : 5.0};
  if (!(s.max_sleep >= 0)) s.max_sleep = 0;
  try {
    auto shm = shoal::shared_memory::attach();
    return role == "bear" ? catch_salmon(n, shm, s) : jump_upstream(n, shm, s);
  } catch (const shoal::shared_error& e) {
    std::fprintf(stderr, "salmon_run: %s\n", e.what());
    return 1;
  }
}
