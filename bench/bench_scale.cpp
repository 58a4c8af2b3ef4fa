// Scale: how the daemon's figures grow with what it holds (live children, concurrent clients,
// joiners of one process, values in the segment). Each series prints the growth exponent
// between consecutive sizes; 1 is linear. Run by `bench/run.sh --scale`.
#include <string>

#include "bench/run_benchmark.hpp"
#include "bench/scale_series.hpp"

using namespace shoal;
using namespace shoal::bench;

namespace {

status run(const options& opts) {
  scale_table table;
  for (auto series : {scale_live_children, scale_concurrent_clients, scale_joiners, scale_values})
    if (auto s = series(opts, table); !s) {
      table.print("scale (incomplete)");
      return s;
    }
  table.print(
      "scale: each figure at each size; exponent = log(value ratio) / log(size ratio) "
      "against the size before (1 linear, 0 flat)");
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  return run_benchmark(argc, argv,
                       {{"children", "100,1000,10000"},
                        {"logs", "yes"},
                        {"clients", "1,8,64"},
                        {"starts", "640"},
                        {"joiners", "10,100,1000"},
                        {"values", "10,100,1000,10000"},
                        {"requests", "200"}},
                       run);
}
