#include "bench/process_slots.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

namespace shoal::bench {
namespace {

// Others on the machine keep starting processes while the benchmark holds its own.
constexpr long margin = 2000;

long read_number(const std::string& path) {
  std::ifstream in(path);
  long n = 0;
  in >> n;
  return n;
}

// Tasks on the machine: the total in /proc/loadavg ("0.1 0.2 0.3 2/345 6789").
long tasks_now() {
  std::ifstream in("/proc/loadavg");
  std::string skip, running_total;
  in >> skip >> skip >> skip >> running_total;
  auto slash = running_total.find('/');
  return slash == std::string::npos ? 0 : std::atol(running_total.c_str() + slash + 1);
}

// Processes of the real uid: what RLIMIT_NPROC counts.
long processes_of_my_uid() {
  long n = 0;
  std::string uid_line = "Uid:\t" + std::to_string(::getuid()) + "\t";
  if (DIR* d = ::opendir("/proc")) {
    while (auto* e = ::readdir(d)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      std::ifstream in(std::string("/proc/") + e->d_name + "/status");
      std::string line;
      while (std::getline(in, line))
        if (line.rfind("Uid:", 0) == 0) {
          if (line.rfind(uid_line, 0) == 0) ++n;
          break;
        }
    }
    ::closedir(d);
  }
  return n;
}

}  // namespace

std::string lack_of_process_slots(long more) {
  long pid_max = read_number("/proc/sys/kernel/pid_max");
  long threads_max = read_number("/proc/sys/kernel/threads-max");
  long limit = std::min(pid_max, threads_max);
  long tasks = tasks_now();
  if (tasks + more + margin > limit)
    return std::to_string(tasks) + " tasks exist and pid_max/threads-max allow " +
           std::to_string(limit) + ": no room for " + std::to_string(more) + " more";
  rlimit nproc{};
  if (::geteuid() != 0 && ::getrlimit(RLIMIT_NPROC, &nproc) == 0 &&
      nproc.rlim_cur != RLIM_INFINITY) {
    long mine = processes_of_my_uid();
    if (mine + more + 64 > static_cast<long>(nproc.rlim_cur))
      return "RLIMIT_NPROC is " + std::to_string(nproc.rlim_cur) + " and this user runs " +
             std::to_string(mine) + " processes: no room for " + std::to_string(more) +
             " more (raise it with ulimit -u)";
  }
  return {};
}

}  // namespace shoal::bench
