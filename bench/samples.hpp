// Latency samples in nanoseconds and the figures the reports print from them.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace shoal::bench {

using bench_clock = std::chrono::steady_clock;

inline std::int64_t elapsed_ns(bench_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(bench_clock::now() - since).count();
}

class samples {
 public:
  void add(std::int64_t ns) {
    ns_.push_back(ns);
    sorted_ = false;
  }
  // Wall time spent producing the samples: ops/s is count / wall time, which for pipelined
  // runs is not 1 / mean latency.
  void add_wall(std::int64_t ns) { wall_ns_ += ns; }
  // Adds another set's latencies (not its wall time: concurrent sets overlap).
  void merge(const samples& other) {
    ns_.insert(ns_.end(), other.ns_.begin(), other.ns_.end());
    sorted_ = false;
  }

  std::size_t count() const { return ns_.size(); }
  // Nearest-rank percentile in microseconds; 0 when empty.
  double percentile_us(double p);
  double median_us() { return percentile_us(50); }
  double p99_us() { return percentile_us(99); }
  double ops_per_s() const;
  // Wall time per op in microseconds (the inverse of ops/s).
  double amortized_us() const;

 private:
  std::vector<std::int64_t> ns_;
  std::int64_t wall_ns_ = 0;
  bool sorted_ = true;
};

}  // namespace shoal::bench
