#include "daemon/child_environment.hpp"

namespace shoal {

void child_environment::set(std::string entry) {
  std::string name = entry.substr(0, entry.find('='));
  auto [it, added] = index_.try_emplace(std::move(name), entries_.size());
  if (added)
    entries_.push_back(std::move(entry));
  else
    entries_[it->second] = std::move(entry);
}

void child_environment::set(std::string_view key, std::string_view value) {
  std::string entry;
  entry.reserve(key.size() + 1 + value.size());
  entry.append(key).append("=").append(value);
  set(std::move(entry));
}

void child_environment::set_all(char** entries) {
  for (char** e = entries; e && *e; ++e) set(std::string(*e));
}

}  // namespace shoal
