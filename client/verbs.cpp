#include "verbs.hpp"

#include <string>

namespace shoal::cli {

const std::vector<verb>& all_verbs() {
  static const std::vector<verb> all = [] {
    std::vector<verb> v;
    auto add = [&v](std::span<const verb> group) { v.insert(v.end(), group.begin(), group.end()); };
    // One line per group of verbs; a new group adds its line here.
    add(process_verbs());
    add(shared_verbs());  // values, arrays and the lock (client/verbs_shared.cpp)
    add(service_verbs());  // reload and watch (client/verbs_service.cpp)
    return v;
  }();
  return all;
}

const verb* find_verb(std::span<const std::string> words, std::size_t& consumed) {
  consumed = 0;
  if (words.empty()) return nullptr;
  if (words.size() >= 2) {
    std::string two = words[0] + " " + words[1];
    for (const auto& v : all_verbs())
      if (v.name == two) {
        consumed = 2;
        return &v;
      }
  }
  for (const auto& v : all_verbs())
    if (v.name == words[0]) {
      consumed = 1;
      return &v;
    }
  return nullptr;
}

}  // namespace shoal::cli
