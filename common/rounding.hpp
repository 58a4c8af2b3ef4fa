// Rounding done with a cast, not with <cmath>: std::round and std::trunc are calls into libm,
// which shoald does not otherwise need, and a library mapped by few processes costs an idle
// daemon over 100 KiB of PSS (docs/performance.md, "Memory").
#pragma once

#include <cstdint>

namespace shoal {

// Whether a finite double is a whole number. Every double from 2^52 up is one.
constexpr bool is_whole(double v) {
  if (v >= 0x1p52 || v <= -0x1p52) return true;
  return static_cast<double>(static_cast<std::int64_t>(v)) == v;
}

// `v` rounded to the nearest 1/`parts`, halves up, as std::round(v * parts) / parts; for
// 0 <= v * parts < 2^62. Divided, not multiplied by a step: 123 * 0.1 is not the double 12.3.
constexpr double round_to_part(double v, int parts) {
  // Not negative: the cast truncates toward zero, which is floor here.
  // NOLINTNEXTLINE(bugprone-incorrect-roundings)
  return static_cast<double>(static_cast<std::int64_t>(v * parts + 0.5)) / parts;
}

}  // namespace shoal
