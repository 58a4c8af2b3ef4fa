// One line per event on stderr. When stderr is the journal (JOURNAL_STREAM names its device
// and inode) each line starts with a syslog priority ("<6>") that journald turns into the
// entry's level, and carries no timestamp (journald adds one); anywhere else (a file, a
// pipe) lines start with a timestamp instead, and on a terminal they are coloured too. Writing never blocks the
// daemon: see log_sink.hpp for what happens when stderr does not take a line.
#pragma once

#include <sstream>
#include <string>
#include <string_view>
#include <utility>

namespace shoal::log {

enum class level { debug = 7, info = 6, warning = 4, error = 3 };

void set_threshold(level lowest);
bool parse_level(std::string_view text, level& out);
bool enabled(level l);
void write(level l, std::string_view message);
// The line write() emits for `message`, with its '\n'.
std::string format_line(level l, std::string_view message);

class sink;
// The sink every line goes to (log_sink.hpp); the daemon attaches it to its loop.
sink& standard_error();

namespace detail {
inline void format_into(std::ostringstream& out, std::string_view fmt) { out << fmt; }
template <class First, class... Rest>
void format_into(std::ostringstream& out, std::string_view fmt, First&& first, Rest&&... rest) {
  auto at = fmt.find("{}");
  if (at == std::string_view::npos) {
    out << fmt;
    return;
  }
  out << fmt.substr(0, at) << std::forward<First>(first);
  format_into(out, fmt.substr(at + 2), std::forward<Rest>(rest)...);
}
}  // namespace detail

// "{}" placeholders, filled in order (GCC 12 has no std::format).
template <class... Args>
std::string format(std::string_view fmt, Args&&... args) {
  std::ostringstream out;
  detail::format_into(out, fmt, std::forward<Args>(args)...);
  return out.str();
}

template <class... Args>
void emit(level l, std::string_view fmt, Args&&... args) {
  if (enabled(l)) write(l, format(fmt, std::forward<Args>(args)...));
}
template <class... A> void debug(std::string_view f, A&&... a) { emit(level::debug, f, std::forward<A>(a)...); }
template <class... A> void info(std::string_view f, A&&... a) { emit(level::info, f, std::forward<A>(a)...); }
template <class... A> void warning(std::string_view f, A&&... a) { emit(level::warning, f, std::forward<A>(a)...); }
template <class... A> void error(std::string_view f, A&&... a) { emit(level::error, f, std::forward<A>(a)...); }

}  // namespace shoal::log
