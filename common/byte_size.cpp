#include "common/byte_size.hpp"

#include <charconv>

namespace shoal {

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
  std::uint64_t multiplier = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'K':
      case 'k':
        multiplier = std::uint64_t{1} << 10;
        break;
      case 'M':
      case 'm':
        multiplier = std::uint64_t{1} << 20;
        break;
      case 'G':
      case 'g':
        multiplier = std::uint64_t{1} << 30;
        break;
      default:
        break;
    }
    if (multiplier != 1) text.remove_suffix(1);
  }
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  constexpr std::uint64_t limit = std::uint64_t{1} << 63;
  if (n > limit / multiplier || n * multiplier >= limit) return std::nullopt;
  return n * multiplier;
}

}  // namespace shoal
