#include "daemon/orphans.hpp"

#include <dirent.h>
#include <unistd.h>

#include <charconv>
#include <memory>
#include <string_view>

#include "daemon/proc_stats.hpp"

namespace shoal {

std::vector<pid_t> living_children_of_self() { return living_children_of(::getpid()); }

std::vector<pid_t> living_children_of(pid_t parent) {
  std::vector<pid_t> out;
  std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
  if (!proc) return out;
  while (const dirent* entry = ::readdir(proc.get())) {
    pid_t pid = 0;
    std::string_view name = entry->d_name;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec != std::errc{} || end != name.data() + name.size() || pid <= 0) continue;
    auto p = read_proc_parentage(pid);
    if (p && p->ppid == parent && p->state != 'Z') out.push_back(pid);
  }
  return out;
}

}  // namespace shoal
