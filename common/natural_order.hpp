// The order people expect names in: runs of digits compare as numbers, so `w-2` comes before
// `w-10`. The daemon lists processes so and the CLI's tables keep that order.
#pragma once

#include <cstddef>
#include <string_view>

namespace shoal {

// Strict weak order. Digit runs compare by value (leading zeros ignored; on a tie the shorter
// run first, so the order is total), everything else byte by byte.
constexpr bool natural_less(std::string_view a, std::string_view b) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      std::size_t ia = i, jb = j;
      while (ia < a.size() && a[ia] == '0') ++ia;
      while (jb < b.size() && b[jb] == '0') ++jb;
      std::size_t ea = ia, eb = jb;
      while (ea < a.size() && digit(a[ea])) ++ea;
      while (eb < b.size() && digit(b[eb])) ++eb;
      if (ea - ia != eb - jb) return ea - ia < eb - jb;  // fewer significant digits: smaller
      for (std::size_t k = 0; k < ea - ia; ++k)
        if (a[ia + k] != b[jb + k]) return a[ia + k] < b[jb + k];
      if (ea - i != eb - j) return ea - i < eb - j;  // "7" before "07"
      i = ea;
      j = eb;
      continue;
    }
    if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

// natural_less as an ordered container's comparator: a table kept in it lists in the order
// people expect without sorting on every read.
struct natural_order {
  using is_transparent = void;
  constexpr bool operator()(std::string_view a, std::string_view b) const {
    return natural_less(a, b);
  }
};

}  // namespace shoal
