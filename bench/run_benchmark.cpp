#include "run_benchmark.hpp"

#include <signal.h>

#include <cstdio>

#include "private_daemon.hpp"

namespace shoal::bench {

int run_benchmark(int argc, char** argv, std::map<std::string, std::string> defaults,
               const std::function<status(const options&)>& body) {
  ::signal(SIGPIPE, SIG_IGN);
  defaults.emplace("shoald", default_shoald_path());
  auto opts = options::parse(argc, argv, std::move(defaults));
  if (!opts) {
    std::fprintf(stderr, "%s: %s\n", argv[0], opts.error().message().c_str());
    return 2;
  }
  status s = body(*opts);
  if (!s) {
    std::fprintf(stderr, "%s: %s\n", argv[0], s.message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace shoal::bench
