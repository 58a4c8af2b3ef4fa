#include "bench/subreaper.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <string>

namespace shoal::bench {
namespace {

// Direct children of this process, from /proc/self/task/*/children.
std::vector<pid_t> my_children() {
  std::vector<pid_t> out;
  if (DIR* d = ::opendir("/proc/self/task")) {
    while (auto* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::ifstream in(std::string("/proc/self/task/") + e->d_name + "/children");
      pid_t pid;
      while (in >> pid) out.push_back(pid);
    }
    ::closedir(d);
  }
  return out;
}

}  // namespace

bool become_subreaper() { return ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0; }

std::vector<pid_t> end_leftovers(const std::vector<pid_t>& keep) {
  std::vector<pid_t> left;
  for (pid_t pid : my_children())
    if (std::find(keep.begin(), keep.end(), pid) == keep.end()) left.push_back(pid);
  for (pid_t pid : left) {
    ::kill(-pid, SIGKILL);  // its group, if it leads one
    ::kill(pid, SIGKILL);
  }
  for (pid_t pid : left)
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  return left;
}

}  // namespace shoal::bench
