#include "options.hpp"

#include <cstdlib>

namespace shoal::bench {
namespace {

bool is_positive_integer(const std::string& s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return std::atol(s.c_str()) > 0;
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
  }
  return o;
}

long options::number(const std::string& key) const { return std::atol(text(key).c_str()); }

}  // namespace shoal::bench
