// The one naming rule shared by processes, values and arrays.
#pragma once

#include <string_view>

namespace shoal {

inline constexpr std::size_t max_name_length = 64;

// [A-Za-z0-9][A-Za-z0-9._-]{0,63}: safe as a file name, a shell word and a JSON key.
constexpr bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() > max_name_length) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name[0])) return false;
  for (char c : name)
    if (!alnum(c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

inline constexpr std::string_view name_rule = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";

}  // namespace shoal
