#include "daemon/orphans.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace shoal {

std::vector<pid_t> living_children_of_self() { return living_children_of(::getpid()); }

std::vector<pid_t> living_children_of(pid_t parent) {
  std::vector<pid_t> out;
  const pid_t self = parent;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text;
    std::getline(stat, text);
    auto paren = text.rfind(')');  // the command name may hold spaces and parentheses
    if (paren == std::string::npos || paren + 2 > text.size()) continue;
    std::istringstream rest(text.substr(paren + 2));
    char state = 0;
    long ppid = 0;
    if (!(rest >> state >> ppid)) continue;
    if (ppid == self && state != 'Z') out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

}  // namespace shoal
