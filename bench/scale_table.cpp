#include "bench/scale_table.hpp"

#include <cmath>
#include <cstdio>

namespace shoal::bench {

void scale_table::add(const std::string& key, long size, double value, const std::string& unit,
                      const std::string& note) {
  rows_.push_back({key, size, value, unit, note});
}

void scale_table::add_unavailable(const std::string& key, long size, const std::string& why) {
  rows_.push_back({key, size, -1, "", why});
}

void scale_table::print(const std::string& title) const {
  std::printf("\n%s\n", title.c_str());
  std::printf("%-26s %7s %12s %-5s %8s  %s\n", "figure", "size", "value", "unit", "exponent",
              "what");
  std::vector<bool> printed(rows_.size(), false);
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    if (printed[i]) continue;
    const row* previous = nullptr;
    for (std::size_t j = i; j < rows_.size(); ++j) {
      const row& r = rows_[j];
      if (r.key != rows_[i].key) continue;
      printed[j] = true;
      if (r.value < 0) {
        std::printf("%-26s %7ld %12s        %8s  %s\n", r.key.c_str(), r.size, "unavailable", "",
                    r.note.c_str());
        continue;
      }
      char exponent[32] = "-";
      if (previous && previous->value > 0 && r.value > 0 && r.size != previous->size)
        std::snprintf(
            exponent, sizeof exponent, "%.2f",
            std::log(r.value / previous->value) /
                std::log(static_cast<double>(r.size) / static_cast<double>(previous->size)));
      // The note once per key: the rows below it measure the same thing at other sizes.
      std::printf("%-26s %7ld %12.1f %-5s %8s  %s\n", r.key.c_str(), r.size, r.value,
                  r.unit.c_str(), exponent, previous ? "" : r.note.c_str());
      previous = &r;
    }
  }
  std::fflush(stdout);
}

}  // namespace shoal::bench
