// The benchmarks' command line: `--count N`, `--inflight K`, `--shoald PATH`, ... as
// `--key value` (or `--key=value`) pairs, each with a default.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.hpp"

namespace shoal::bench {

class options {
 public:
  // Accepts exactly the keys in `defaults` (without the leading "--").
  static result<options> parse(int argc, char** argv, std::map<std::string, std::string> defaults);

  const std::string& text(const std::string& key) const { return values_.at(key); }
  // A positive integer option (validated by parse when its default is one).
  long number(const std::string& key) const;
  // A comma-separated list of positive integers, such as "100,1000,10000" (validated by parse
  // when its default is one).
  std::vector<long> numbers(const std::string& key) const;

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace shoal::bench
