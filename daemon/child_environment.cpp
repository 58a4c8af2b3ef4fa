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

std::vector<std::string> environment_for(
    char** inherited, const std::string& name,
    const std::vector<std::pair<std::string, std::string>>& env, const std::string& socket_path,
    const std::vector<std::string>& daemon_entries) {
  child_environment out;
  out.set_all(inherited);
  for (const auto& [k, v] : env) out.set(k, v);
  out.set("SHOAL_SOCKET", socket_path);
  out.set("SHOAL_NAME", name);
  for (const auto& e : daemon_entries) out.set(e);
  return out.entries();
}

}  // namespace shoal
