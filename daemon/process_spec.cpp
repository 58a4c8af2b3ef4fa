#include "daemon/process_spec.hpp"

namespace shoal {
namespace {

bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

}  // namespace

bool valid_argv(const std::vector<std::string>& argv) {
  bool valid = !argv.empty() && !argv[0].empty();
  for (const auto& a : argv) valid = valid && !has_nul(a);
  return valid;
}

status check_argv(const std::vector<std::string>& argv) {
  if (!valid_argv(argv))
    return {errc::bad_request,
            "field 'argv' must be a non-empty array of strings without NUL bytes, the first "
            "naming the program"};
  return {};
}

const std::pair<std::string, std::string>* invalid_env_entry(
    const std::vector<std::pair<std::string, std::string>>& env) {
  for (const auto& entry : env) {
    const auto& [k, v] = entry;
    if (k.empty() || k.find('=') != std::string::npos || has_nul(k) || has_nul(v)) return &entry;
  }
  return nullptr;
}

status env_refusal(const std::string& name) {
  return {errc::bad_request,
          "field 'env' has an invalid variable name '" + name + "' (empty, or has '=' or NUL)"};
}

status check_env(const std::vector<std::pair<std::string, std::string>>& env) {
  if (const auto* bad = invalid_env_entry(env)) return env_refusal(bad->first);
  return {};
}

}  // namespace shoal
