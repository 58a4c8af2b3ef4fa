// Sizes as people write them on a command line or in a programs file: "65536", "64K", "10M",
// "1G" (the suffixes are powers of 1024, either case).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace shoal {

// A whole number of bytes with an optional K, M or G suffix; nullopt for anything else, and
// for a value that does not fit in 63 bits.
std::optional<std::uint64_t> parse_byte_size(std::string_view text);

}  // namespace shoal
