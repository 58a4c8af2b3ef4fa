// What every benchmark's main does around its body: parse `--key value` options (always
// including --shoald), keep SIGPIPE from killing the run, and turn a failure into one line on
// stderr and exit code 1.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "bench/options.hpp"
#include "common/status.hpp"

namespace shoal::bench {

int run_benchmark(int argc, char** argv, std::map<std::string, std::string> defaults,
                  const std::function<status(const options&)>& body);

}  // namespace shoal::bench
