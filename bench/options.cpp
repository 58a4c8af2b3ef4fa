#include "bench/options.hpp"

#include <cstdlib>

namespace shoal::bench {
namespace {

bool is_positive_integer(const std::string& s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return std::atol(s.c_str()) > 0;
}

bool is_integer_list(const std::string& s) {
  std::size_t at = 0;
  for (;;) {
    auto comma = s.find(',', at);
    if (!is_positive_integer(
            s.substr(at, comma == std::string::npos ? std::string::npos : comma - at)))
      return false;
    if (comma == std::string::npos) return true;
    at = comma + 1;
  }
}

}  // namespace

result<options> options::parse(int argc, char** argv, std::map<std::string, std::string> defaults) {
  options o;
  o.values_ = defaults;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string key = arg.rfind("--", 0) == 0 ? arg.substr(2) : "";
    auto it = o.values_.find(key);
    if (it == o.values_.end()) {
      std::string known;
      for (auto& [k, v] : defaults) known += " --" + k + " " + (v.empty() ? "X" : v);
      return status{errc::bad_request, "unknown argument '" + arg + "'; accepted:" + known};
    }
    if (i + 1 >= argc) return status{errc::bad_request, arg + " needs a value"};
    it->second = argv[++i];
    if (is_positive_integer(defaults[key]) && !is_positive_integer(it->second))
      return status{errc::bad_request, arg + " needs a positive integer, not '" + it->second + "'"};
    if (is_integer_list(defaults[key]) && !is_integer_list(it->second))
      return status{errc::bad_request,
                    arg + " needs positive integers separated by commas, not '" + it->second + "'"};
  }
  return o;
}

long options::number(const std::string& key) const { return std::atol(text(key).c_str()); }

std::vector<long> options::numbers(const std::string& key) const {
  std::vector<long> out;
  const std::string& s = text(key);
  for (std::size_t at = 0; at <= s.size();) {
    auto comma = s.find(',', at);
    if (comma == std::string::npos) comma = s.size();
    out.push_back(std::atol(s.substr(at, comma - at).c_str()));
    at = comma + 1;
  }
  return out;
}

}  // namespace shoal::bench
