#include "client/verbs.hpp"

#include <string>

namespace shoal::cli {

const std::vector<verb>& all_verbs() {
  static const std::vector<verb> all = [] {
    std::vector<verb> v;
    auto add = [&v](std::span<const verb> group) { v.insert(v.end(), group.begin(), group.end()); };
    // One line per group of verbs; a new group adds its line here.
    add(process_verbs());
    add(shared_verbs());   // values and arrays (client/verbs_shared.cpp)
    add(lock_verbs());     // the lock (client/verbs_lock.cpp)
    add(service_verbs());  // reload and watch (client/verbs_service.cpp)
    add(top_verbs());      // the live view (client/verbs_top.cpp)
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
  std::string_view name = words[0];
  for (const auto& a : verb_aliases())
    if (a.alias == name) name = a.verb;
  for (const auto& v : all_verbs())
    if (v.name == name) {
      consumed = 1;
      return &v;
    }
  return nullptr;
}

std::span<const verb_alias> verb_aliases() {
  // ps and ls: what supervisorctl, docker and pm2 users type for a list of processes.
  static constexpr verb_alias aliases[] = {{"ls", "status"}, {"ps", "status"}};
  return aliases;
}

std::vector<std::string> aliases_of(std::string_view verb_name) {
  std::vector<std::string> out;
  for (const auto& a : verb_aliases())
    if (a.verb == verb_name) out.emplace_back(a.alias);
  return out;
}

}  // namespace shoal::cli
