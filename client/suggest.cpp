#include "client/suggest.hpp"

#include <algorithm>

namespace shoal::cli {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment: Levenshtein plus adjacent transpositions; three rows suffice.
  std::vector<std::size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], before[j - 2] + 1);
    }
    std::swap(before, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::vector<std::string> nearest_words(std::string_view word,
                                       std::span<const std::string> candidates) {
  std::size_t best = 3;  // more than 2 edits is another word, not a typo
  std::vector<std::string> found;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d == 0 || 2 * d >= std::max(word.size(), c.size())) continue;
    if (d < best) {
      best = d;
      found.clear();
    }
    if (d == best && std::find(found.begin(), found.end(), c) == found.end()) found.push_back(c);
  }
  return found;
}

std::string quoted_alternatives(std::span<const std::string> words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += "'" + words[i] + "'";
  }
  return out;
}

}  // namespace shoal::cli
