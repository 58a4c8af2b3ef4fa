// bench_scale's output: each figure at each size (live children, clients, joiners, values),
// with its growth exponent between consecutive sizes: log(value ratio) / log(size ratio).
// 1 is linear growth, 0 a figure that does not depend on the size, 2 quadratic.
#pragma once

#include <string>
#include <vector>

namespace shoal::bench {

class scale_table {
 public:
  // Rows of one key print together, in the order added; `size` grows from row to row.
  void add(const std::string& key, long size, double value, const std::string& unit,
           const std::string& note);
  // A size that could not be measured on this machine, and why.
  void add_unavailable(const std::string& key, long size, const std::string& why);
  void print(const std::string& title) const;

 private:
  struct row {
    std::string key;
    long size;
    double value;  // < 0: unavailable
    std::string unit, note;
  };
  std::vector<row> rows_;
};

}  // namespace shoal::bench
