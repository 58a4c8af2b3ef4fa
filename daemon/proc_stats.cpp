#include "daemon/proc_stats.hpp"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <string_view>

#include "common/unique_fd.hpp"

namespace shoal {
namespace {

// Fields 3 to 24 of a stat line (proc(5) numbers them from 1): `rest` starts after the command
// name's last ')', since the name may hold spaces and ')'. Field 3, the state, is a letter: it
// goes to `state` and its number stays 0. Priority and nice may be negative.
struct stat_line {
  char state = 0;
  std::array<long long, 25> fields{};
};

bool stat_fields(std::string_view rest, stat_line& line) {
  std::size_t at = 0;
  for (std::size_t field = 3; field < line.fields.size(); ++field) {
    while (at < rest.size() && rest[at] == ' ') ++at;
    std::size_t end = std::min(rest.find(' ', at), rest.size());
    if (at == end) return false;
    if (field == 3) {
      line.state = rest[at];
    } else {
      auto [ptr, ec] = std::from_chars(rest.data() + at, rest.data() + end, line.fields[field]);
      if (ec != std::errc{} || ptr != rest.data() + end) return false;
    }
    at = end;
  }
  return true;
}

// /proc/PID/stat's fields, read without a stream or an allocation: `status` reads it for every
// live process, the keeper for every child it spawns, the daemon's scan of /proc for every
// process on the machine.
bool read_stat(pid_t pid, stat_line& line) {
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  unique_fd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  char buf[1024];  // a stat line is at most a few hundred bytes
  ssize_t n;
  do {
    n = ::read(fd.get(), buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  if (n <= 0 || static_cast<std::size_t>(n) == sizeof buf) return false;
  std::string_view stat(buf, static_cast<std::size_t>(n));
  auto close = stat.rfind(')');
  if (close == std::string_view::npos) return false;
  return stat_fields(stat.substr(close + 1), line);
}

}  // namespace

std::optional<proc_usage> read_proc_usage(pid_t pid) {
  stat_line line;
  if (!read_stat(pid, line)) return std::nullopt;
  const auto& f = line.fields;
  // utime (14), stime (15), starttime (22), rss (24, in pages).
  long long utime = f[14], stime = f[15], starttime = f[22], rss_pages = f[24];
  if (utime < 0 || stime < 0 || starttime < 0 || rss_pages < 0) return std::nullopt;
  static const long ticks = ::sysconf(_SC_CLK_TCK);
  static const long page = ::sysconf(_SC_PAGESIZE);
  if (ticks <= 0 || page <= 0) return std::nullopt;
  timespec now{};
  if (::clock_gettime(CLOCK_BOOTTIME, &now) != 0) return std::nullopt;
  proc_usage u;
  u.sampled_after_boot_seconds =
      static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
  u.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(ticks);
  u.started_after_boot_seconds = static_cast<double>(starttime) / static_cast<double>(ticks);
  u.rss_bytes = static_cast<std::uint64_t>(rss_pages) * static_cast<std::uint64_t>(page);
  return u;
}

std::optional<std::uint64_t> read_start_ticks(pid_t pid) {
  stat_line line;
  if (!read_stat(pid, line) || line.fields[22] < 0) return std::nullopt;
  return static_cast<std::uint64_t>(line.fields[22]);
}

std::optional<proc_parentage> read_proc_parentage(pid_t pid) {
  stat_line line;
  if (!read_stat(pid, line) || line.fields[4] < 0) return std::nullopt;
  return proc_parentage{line.state, static_cast<pid_t>(line.fields[4])};
}

std::optional<proc_usage> sampled_usage(usage_sample& sample, pid_t pid,
                                        std::chrono::steady_clock::time_point now) {
  if (sample.pid != pid || now - sample.taken >= usage_sample_window) {
    sample.pid = pid;
    sample.taken = now;
    sample.usage = read_proc_usage(pid);
  }
  return sample.usage;
}

double cpu_percent(const proc_usage& usage) {
  double alive = usage.sampled_after_boot_seconds - usage.started_after_boot_seconds;
  if (alive <= 0.01) return 0;
  return 100.0 * usage.cpu_seconds / alive;
}

}  // namespace shoal
