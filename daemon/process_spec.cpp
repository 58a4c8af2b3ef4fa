#include "daemon/process_spec.hpp"

namespace shoal {
namespace {

bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

}  // namespace

status check_argv(const std::vector<std::string>& argv) {
  bool valid = !argv.empty() && !argv[0].empty();
  for (const auto& a : argv) valid = valid && !has_nul(a);
  if (!valid)
    return {errc::bad_request,
            "field 'argv' must be a non-empty array of strings without NUL bytes, the first "
            "naming the program"};
  return {};
}

status check_env(const std::vector<std::pair<std::string, std::string>>& env) {
  for (const auto& [k, v] : env)
    if (k.empty() || k.find('=') != std::string::npos || has_nul(k) || has_nul(v))
      return {errc::bad_request,
              "field 'env' has an invalid variable name '" + k + "' (empty, or has '=' or NUL)"};
  return {};
}

}  // namespace shoal
