#include "bench/json_floor.hpp"

#include "common/protocol.hpp"

namespace shoal::bench {

samples json_floor(const std::string& reply_line, long n) {
  samples out;
  json reply = json::parse(reply_line, nullptr, false);
  std::size_t bytes = 0;
  auto wall = bench_clock::now();
  for (long i = 0; i < n; ++i) {
    auto t0 = bench_clock::now();
    {
      json copy = reply;
      bytes += to_line(copy).size();
    }
    out.add(elapsed_ns(t0));
  }
  out.add_wall(elapsed_ns(wall));
  if (bytes == 0) out = samples();  // unreachable; keeps the dump from being optimised away
  return out;
}

}  // namespace shoal::bench
