#include "common/target_pattern.hpp"

#include <fnmatch.h>

#include "common/names.hpp"

namespace shoal {

bool is_glob(std::string_view target) {
  return target.find_first_of("*?[") != std::string_view::npos;
}

bool is_valid_target(std::string_view target) {
  if (!is_glob(target)) return is_valid_name(target);
  if (target.empty() || target.size() > max_name_length) return false;
  for (char c : target) {
    bool name_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '.' || c == '_' || c == '-';
    if (!name_char && c != '*' && c != '?' && c != '[' && c != ']' && c != '!') return false;
  }
  return true;
}

bool glob_matches(std::string_view pattern, std::string_view name) {
  // Both are bounded by is_valid_target / is_valid_name; fnmatch needs NUL-terminated copies.
  return ::fnmatch(std::string(pattern).c_str(), std::string(name).c_str(), 0) == 0;
}

}  // namespace shoal
