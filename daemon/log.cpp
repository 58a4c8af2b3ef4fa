#include "daemon/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "daemon/log_sink.hpp"

namespace shoal::log {
namespace {

level threshold = level::info;

std::string_view name_of(level l) {
  switch (l) {
    case level::debug:
      return "debug";
    case level::info:
      return "info";
    case level::warning:
      return "warning";
    case level::error:
      return "error";
  }
  return "info";
}

std::string_view colour_of(level l) {
  switch (l) {
    case level::debug:
      return "\033[2m";
    case level::info:
      return "";
    case level::warning:
      return "\033[33m";
    case level::error:
      return "\033[31m";
  }
  return "";
}

std::string timestamp() {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t secs = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  char out[40];
  std::snprintf(out, sizeof out, "%s.%03lld", buf, static_cast<long long>(ms));
  return out;
}

// systemd sets JOURNAL_STREAM to "DEV:INODE" of the stream it connects a service's stderr to.
// A child of that service inherits the variable but not always the stream (a pipe, a file, a
// terminal): only when the descriptor is the very same object is stderr the journal.
bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (!stream) return false;
  unsigned long long device = 0, inode = 0;
  char rest = 0;
  if (std::sscanf(stream, "%llu:%llu%c", &device, &inode, &rest) != 2) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == device &&
         static_cast<unsigned long long>(st.st_ino) == inode;
}

enum class destination { journal, terminal, other };

destination stderr_destination() {
  if (stderr_is_journal()) return destination::journal;
  if (::isatty(STDERR_FILENO) == 1) return destination::terminal;
  return destination::other;
}

}  // namespace

void set_threshold(level lowest) { threshold = lowest; }

bool parse_level(std::string_view text, level& out) {
  for (level l : {level::debug, level::info, level::warning, level::error}) {
    if (text == name_of(l)) {
      out = l;
      return true;
    }
  }
  if (text == "warn") {
    out = level::warning;
    return true;
  }
  return false;
}

bool enabled(level l) { return static_cast<int>(l) <= static_cast<int>(threshold); }

std::string format_line(level l, std::string_view message) {
  // Decided once: where stderr goes does not change under a running daemon.
  static const destination to = stderr_destination();
  std::string line;
  switch (to) {
    case destination::journal:
      // journald reads the priority from the prefix and adds the time itself.
      line =
          "<" + std::to_string(static_cast<int>(l)) + ">shoald: " + std::string(name_of(l)) + ": ";
      break;
    case destination::terminal:
      line = timestamp() + " shoald " + std::string(colour_of(l)) + std::string(name_of(l)) +
             (colour_of(l).empty() ? "" : "\033[0m") + ": ";
      break;
    case destination::other:
      line = timestamp() + " shoald: " + std::string(name_of(l)) + ": ";
      break;
  }
  line += message;
  line += '\n';
  return line;
}

sink& standard_error() {
  static sink instance(STDERR_FILENO, [](std::uint64_t dropped) {
    return format_line(level::warning, std::to_string(dropped) +
                                           " log line(s) dropped: standard error did not take them "
                                           "(a pipe nobody reads, or a stopped terminal)");
  });
  return instance;
}

void write(level l, std::string_view message) {
  // One write per line, so lines from a crash handler or a child never interleave mid-line.
  standard_error().write(format_line(l, message));
}

}  // namespace shoal::log
