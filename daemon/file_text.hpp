// Whole files as text through open(2) and read(2): /proc entries, the boot id, the programs
// file. The daemon keeps off iostreams: with libstdc++ linked into shoald, their locale
// machinery would be most of its code (docs/performance.md, "Memory").
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace shoal {

// What a file larger than the caller's limit leaves errno as.
inline constexpr std::size_t default_text_limit = std::size_t{16} << 20;

// The file's bytes. Nothing when it cannot be opened or read, or holds more than `limit`
// bytes (EFBIG); errno says why. Reads to the end, so /proc files (which stat as empty) work.
std::optional<std::string> read_file_text(const std::string& path,
                                          std::size_t limit = default_text_limit);

}  // namespace shoal
