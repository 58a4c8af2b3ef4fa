// One line per event on stderr. When stderr is the journal (JOURNAL_STREAM names its device
// and inode) each line starts with a syslog priority ("<6>") that journald turns into the
// entry's level, and carries no timestamp (journald adds one); anywhere else (a file, a
// pipe) lines start with a timestamp instead, and on a terminal they are coloured too. Writing
// never blocks the daemon: see log_sink.hpp for what happens when stderr does not take a line.
#pragma once

#include <string>
#include <string_view>

#include "daemon/format.hpp"

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

// Lines are formatted by shoal::format (format.hpp): a format string that does not match its
// arguments does not compile.
template <class... Args>
void emit(level l, format_string<std::type_identity_t<Args>...> f, const Args&... args) {
  if (enabled(l)) write(l, shoal::format<Args...>(f, args...));
}
template <class... A>
void debug(format_string<std::type_identity_t<A>...> f, const A&... a) {
  emit<A...>(level::debug, f, a...);
}
template <class... A>
void info(format_string<std::type_identity_t<A>...> f, const A&... a) {
  emit<A...>(level::info, f, a...);
}
template <class... A>
void warning(format_string<std::type_identity_t<A>...> f, const A&... a) {
  emit<A...>(level::warning, f, a...);
}
template <class... A>
void error(format_string<std::type_identity_t<A>...> f, const A&... a) {
  emit<A...>(level::error, f, a...);
}

}  // namespace shoal::log
