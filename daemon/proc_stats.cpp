#include "daemon/proc_stats.hpp"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "common/unique_fd.hpp"

namespace shoal {
namespace {

std::optional<std::string> read_small_file(const std::string& path) {
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  std::string text;
  char buf[1024];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > 64 * 1024) return std::nullopt;  // not a stat file
  }
  return text;
}

}  // namespace

std::optional<proc_usage> read_proc_usage(pid_t pid) {
  auto stat = read_small_file("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return std::nullopt;
  // The command name (field 2) is in parentheses and may hold spaces and ')': the fields
  // that follow start after the last ')'.
  auto close = stat->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(stat->substr(close + 1));
  // Fields 3.. of proc(5): state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt,
  // majflt, cmajflt, utime (14), stime (15), cutime, cstime, priority, nice, num_threads,
  // itrealvalue, starttime (22), vsize, rss (24, in pages).
  std::vector<std::string> f;
  for (std::string w; f.size() < 22 && rest >> w;) f.push_back(w);
  if (f.size() < 22) return std::nullopt;
  long ticks = ::sysconf(_SC_CLK_TCK);
  long page = ::sysconf(_SC_PAGESIZE);
  if (ticks <= 0 || page <= 0) return std::nullopt;
  try {
    proc_usage u;
    u.cpu_seconds =
        static_cast<double>(std::stoull(f[11]) + std::stoull(f[12])) / static_cast<double>(ticks);
    u.started_after_boot_seconds =
        static_cast<double>(std::stoull(f[19])) / static_cast<double>(ticks);
    u.rss_bytes = std::stoull(f[21]) * static_cast<std::uint64_t>(page);
    return u;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

double cpu_percent(const proc_usage& usage) {
  timespec now{};
  if (::clock_gettime(CLOCK_BOOTTIME, &now) != 0) return 0;
  double uptime = static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
  double alive = uptime - usage.started_after_boot_seconds;
  if (alive <= 0.01) return 0;
  return 100.0 * usage.cpu_seconds / alive;
}

}  // namespace shoal
