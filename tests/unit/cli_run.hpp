// One whole `shoal` command line through cli::run, as a user types it: what it printed on
// stdout and stderr, and its exit code.
#pragma once

#include <string>
#include <vector>

#include "client/cli.hpp"

namespace shoal::test {

struct ran {
  int code;
  std::string out;
  std::string err;
};

// A socket no daemon listens on.
inline const std::string nowhere = "/tmp/shoal-cli-test-nowhere/s.sock";

inline ran shoal_cli(std::vector<std::string> args, const std::string& socket = nowhere) {
  cli::output out, err;
  cli::environment env;
  env.socket_path = socket;
  int code = cli::run(args, out, err, env);
  return {code, out.str(), err.str()};
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace shoal::test
