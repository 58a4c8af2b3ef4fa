#include "bench/samples.hpp"

#include <algorithm>
#include <cmath>

namespace shoal::bench {

double samples::percentile_us(double p) {
  if (ns_.empty()) return 0;
  if (!sorted_) {
    std::sort(ns_.begin(), ns_.end());
    sorted_ = true;
  }
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(ns_.size())));
  rank = std::clamp<std::size_t>(rank, 1, ns_.size());
  return static_cast<double>(ns_[rank - 1]) / 1000.0;
}

double samples::ops_per_s() const {
  if (wall_ns_ <= 0) return 0;
  return static_cast<double>(ns_.size()) * 1e9 / static_cast<double>(wall_ns_);
}

double samples::amortized_us() const {
  if (ns_.empty()) return 0;
  return static_cast<double>(wall_ns_) / 1000.0 / static_cast<double>(ns_.size());
}

}  // namespace shoal::bench
