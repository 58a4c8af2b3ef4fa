// "did you mean 'status'?": the known words nearest to a mistyped one.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::cli {

// Edits to turn `a` into `b`: insertions, deletions, substitutions and swaps of two
// neighbours ("stauts" is one swap from "status"), each counting 1.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidates nearest to `word`, in the order given, when they are near enough to be
// what was meant: at most 2 edits, and fewer than half of the word's letters. Empty
// otherwise.
std::vector<std::string> nearest_words(std::string_view word,
                                       std::span<const std::string> candidates);

// "'a'", "'a' or 'b'", "'a', 'b' or 'c'".
std::string quoted_alternatives(std::span<const std::string> words);

}  // namespace shoal::cli
