#include "daemon/orphans.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "daemon/file_text.hpp"

namespace shoal {

std::vector<pid_t> living_children_of_self() { return living_children_of(::getpid()); }

std::vector<pid_t> living_children_of(pid_t parent) {
  std::vector<pid_t> out;
  std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
  if (!proc) return out;
  while (const dirent* entry = ::readdir(proc.get())) {
    const std::string name = entry->d_name;
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto text = read_file_text("/proc/" + name + "/stat");
    if (!text) continue;
    auto paren = text->rfind(')');  // the command name may hold spaces and parentheses
    if (paren == std::string::npos || paren + 4 > text->size()) continue;
    // ") S PPID ...": the state, then the parent's pid.
    char state = (*text)[paren + 2];
    char* end = nullptr;
    long ppid = std::strtol(text->c_str() + paren + 3, &end, 10);
    if (end == text->c_str() + paren + 3) continue;
    if (ppid == parent && state != 'Z') out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

}  // namespace shoal
