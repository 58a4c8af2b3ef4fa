#include <cstdio>
#include <string>
#include <vector>

#include "daemon/cleanup.hpp"
#include "daemon/config.hpp"
#include "daemon/daemon.hpp"
#include "daemon/keeper.hpp"
#include "daemon/reexec.hpp"

int main(int argc, char** argv) {
  // Before anything else: the keeper is shoald executed again, and must stay small.
  if (argc == 3 && std::string(argv[1]) == shoal::keeper_flag) return shoal::run_keeper(argv[2]);
  std::vector<std::string> args(argv + 1, argv + argc);
  auto cfg = shoal::parse_config(args);
  if (!cfg) {
    std::fprintf(stderr, "shoald: %s\n", cfg.error().message().c_str());
    return 2;
  }
  if (cfg->show_help) {
    std::fputs(shoal::usage_text(), stdout);
    return 0;
  }
  if (cfg->show_version) {
    std::printf("shoald %s\n", SHOAL_VERSION);
    return 0;
  }
  shoal::log::set_threshold(cfg->log_level);
  cfg->executable = shoal::own_executable();
  cfg->command_line.assign(argv, argv + argc);
  if (cfg->cleanup) return shoal::run_cleanup(*cfg);
  shoal::daemon d(std::move(*cfg));
  return d.run();
}
