#include "bench/options.hpp"

#include <cstdlib>

#include "common/command_line.hpp"

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
  std::vector<option_spec> spec;
  for (const auto& [key, value] : defaults) spec.push_back({key, 0, true});
  const std::vector<std::string> words(argv + 1, argv + argc);
  parsed_args a = parse_command_line(words, spec, operand_mode::none);
  // In the order given: a bad value before a word not understood is the one told.
  for (const auto& [key, value] : a.options) {
    const std::string shown = "--" + key;
    o.values_[key] = value;
    if (is_positive_integer(defaults[key]) && !is_positive_integer(value))
      return status{errc::bad_request, shown + " needs a positive integer, not '" + value + "'"};
    if (is_integer_list(defaults[key]) && !is_integer_list(value))
      return status{errc::bad_request,
                    shown + " needs positive integers separated by commas, not '" + value + "'"};
  }
  if (a.error) {
    if (a.error->what == args_error::kind::missing_value)
      return status{errc::bad_request, a.error->word + " needs a value"};
    std::string known;
    for (auto& [k, v] : defaults) known += " --" + k + " " + (v.empty() ? "X" : v);
    return status{errc::bad_request, "unknown argument '" + a.error->word + "'; accepted:" + known};
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
