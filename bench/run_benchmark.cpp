#include "bench/run_benchmark.hpp"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "bench/private_daemon.hpp"

namespace shoal::bench {
namespace {

std::atomic<bool> quitting{false};

}  // namespace

int run_benchmark(int argc, char** argv, std::map<std::string, std::string> defaults,
                  const std::function<status(const options&)>& body) {
  ::signal(SIGPIPE, SIG_IGN);
  // Quit signals go to one thread that stops every private daemon (a daemon is not in the
  // way of Ctrl-C, but `kill` of the benchmark alone would leave it running) and exits.
  sigset_t quit;
  sigemptyset(&quit);
  sigaddset(&quit, SIGINT);
  sigaddset(&quit, SIGTERM);
  sigaddset(&quit, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &quit, nullptr);
  std::thread([quit] {
    int signo = 0;
    while (sigwait(&quit, &signo) != 0) {
    }
    quitting = true;
    std::fprintf(stderr, "%s: stopping on %s\n", "shoal-bench", strsignal(signo));
    private_daemon::stop_all();
    std::_Exit(128 + signo);
  }).detach();
  defaults.emplace("shoald", default_shoald_path());
  auto opts = options::parse(argc, argv, std::move(defaults));
  if (!opts) {
    std::fprintf(stderr, "%s: %s\n", argv[0], opts.error().message().c_str());
    return 2;
  }
  status s = body(*opts);
  // The body failed because its daemon was stopped under it: the quit thread decides how the
  // process ends.
  for (int i = 0; quitting && i < 600; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (!s) {
    std::fprintf(stderr, "%s: %s\n", argv[0], s.message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace shoal::bench
