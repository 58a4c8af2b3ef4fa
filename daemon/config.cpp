#include "daemon/config.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <climits>
#include <cstdlib>
#include <span>

#include "common/byte_size.hpp"
#include "common/command_line.hpp"
#include "common/paths.hpp"
#include "daemon/path_text.hpp"

namespace shoal {
namespace {

constexpr const char* default_programs_file = "/etc/shoal/programs.json";

status usage_error(std::string message) {
  return {errc::bad_request, std::move(message) + " (see 'shoald --help')"};
}

constexpr option_spec daemon_options[] = {
    {"help", 'h', false},      {"version", 0, false},         {"fresh", 0, false},
    {"cleanup", 0, false},     {"socket", 0, true},           {"state-dir", 0, true},
    {"allow-group", 0, true},  {"programs", 0, true},         {"log-level", 0, true},
    {"stop-timeout", 0, true}, {"shm-size", 0, true},         {"log-max-bytes", 0, true},
    {"log-backups", 0, true},  {"max-queued-bytes", 0, true},
};

// What an option says when its value is wrong, or missing: one message for both, but for
// --stop-timeout's shorter one when it has none.
std::string bad_value(std::string_view option, bool missing = false) {
  if (option == "stop-timeout" && missing) return "--stop-timeout needs a number of seconds";
  if (option == "socket") return "--socket needs a path";
  if (option == "state-dir") return "--state-dir needs a directory";
  if (option == "allow-group") return "--allow-group needs a group name or gid";
  if (option == "programs") return "--programs needs a file";
  if (option == "log-level") return "--log-level takes debug, info, warning or error";
  if (option == "stop-timeout")
    return "--stop-timeout needs a number of seconds between 0 and 86400";
  if (option == "shm-size") return "--shm-size needs a size between 4K and 16G, e.g. 1M";
  if (option == "log-max-bytes")
    return "--log-max-bytes needs " + std::string(log_max_bytes_rule) + ", e.g. 10M";
  if (option == "log-backups") return "--log-backups needs " + std::string(log_backups_rule);
  return "--max-queued-bytes needs a size between 4M and 1T, e.g. 64M";
}

// Applies one option given on the command line; false when its value is not one it takes.
bool apply(config& c, const std::string& option, const std::string& value, std::string& socket,
           std::string& state_dir, std::string& programs) {
  if (option == "help") {
    c.show_help = true;
  } else if (option == "version") {
    c.show_version = true;
  } else if (option == "fresh") {
    c.fresh = true;
  } else if (option == "cleanup") {
    c.cleanup = true;
  } else if (option == "socket") {
    socket = value;
    return !value.empty();
  } else if (option == "state-dir") {
    state_dir = value;
    return !value.empty();
  } else if (option == "allow-group") {
    c.allow_group = value;
    return !value.empty();
  } else if (option == "programs") {
    programs = value;
    return !value.empty();
  } else if (option == "log-level") {
    return log::parse_level(value, c.log_level);
  } else if (option == "stop-timeout") {
    char* end = nullptr;
    double v = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || !(v >= 0) || v > 86400) return false;
    c.stop_grace_seconds = v;
  } else if (option == "shm-size") {
    auto size = parse_byte_size(value);
    if (!size || *size < 4096 || *size > (std::uint64_t{1} << 34)) return false;
    c.shm_size = static_cast<std::size_t>(*size);
  } else if (option == "log-max-bytes") {
    auto size = parse_byte_size(value);
    if (!size || !valid_log_max_bytes(*size)) return false;
    c.log_limits.max_bytes = *size;
  } else if (option == "log-backups") {
    int n = -1;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc{} || end != value.data() + value.size() || !valid_log_backups(n))
      return false;
    c.log_limits.backups = n;
  } else if (option == "max-queued-bytes") {
    auto size = parse_byte_size(value);
    if (!size || *size < min_max_queued_bytes || *size > (std::uint64_t{1} << 40)) return false;
    c.max_queued_bytes = static_cast<std::size_t>(*size);
  }
  return true;
}

}  // namespace

const char* usage_text() {
  return "usage: shoald [--socket PATH] [--state-dir DIR] [--log-level LEVEL]\n"
         "              [--stop-timeout SECONDS] [--shm-size BYTES] [--fresh] [--cleanup]\n"
         "              [--allow-group GROUP] [--programs FILE]\n"
         "              [--log-max-bytes BYTES] [--log-backups N] [--max-queued-bytes BYTES]\n"
         "\n"
         "Runs the Shoal supervisor in the foreground, logging one line per event to stderr.\n"
         "\n"
         "  --socket PATH        listen here (default: /run/shoal/shoal.sock as root,\n"
         "                       $XDG_RUNTIME_DIR/shoal/shoal.sock otherwise)\n"
         "  --state-dir DIR      process logs and state, the daemon's own and private to it\n"
         "                       (default: /var/lib/shoal as root,\n"
         "                       $XDG_RUNTIME_DIR/shoal/state otherwise)\n"
         "  --log-level LEVEL    debug, info, warning or error (default: info)\n"
         "  --stop-timeout SECS  grace period between SIGTERM and SIGKILL (default: 10)\n"
         "  --shm-size BYTES     size of the shared segment, K/M/G suffixes (default: 1M)\n"
         "  --fresh              start with an empty segment, discarding an earlier one\n"
         "  --cleanup            remove the segment and lock the state directory records,\n"
         "                       then exit; refused while a daemon uses them\n"
         "  --allow-group GROUP  also serve members of GROUP (root and the daemon's own\n"
         "                       user are always served; everyone else is refused)\n"
         "  --programs FILE      start and keep running the programs FILE declares; SIGHUP\n"
         "                       or 'shoal reload' re-reads it (default as root:\n"
         "                       /etc/shoal/programs.json, when it exists)\n"
         "  --log-max-bytes BYTES\n"
         "                       rotate a process's NAME.out or NAME.err before it grows\n"
         "                       past BYTES, K/M/G suffixes, 0 for never (default: 10M)\n"
         "  --log-backups N      rotated files kept per stream, NAME.out.1 .. NAME.out.N\n"
         "                       (default: 3); at most (N+1) x BYTES per stream on disk\n"
         "  --max-queued-bytes BYTES\n"
         "                       memory all clients together may hold in the daemon\n"
         "                       (replies not yet read, requests not yet answered), K/M/G\n"
         "                       suffixes, at least 4M; past it the client holding the\n"
         "                       most is disconnected (default: 64M)\n"
         "  --version            print the version and exit\n"
         "  --help               print this help and exit\n";
}

result<config> parse_config(const std::vector<std::string>& args) {
  config c;
  std::string socket, state_dir, programs;
  // Options apply in the order given, and the first mistake is the one told, as it was read.
  std::span<const std::string> rest = args;
  for (;;) {
    parsed_args a = parse_command_line(rest, daemon_options, operand_mode::none);
    for (const auto& [option, value] : a.options)
      if (!apply(c, option, value, socket, state_dir, programs))
        return usage_error(bad_value(option));
    if (!a.error) break;
    const args_error& e = *a.error;
    if (e.what == args_error::kind::missing_value)
      return usage_error(bad_value(e.option->name, true));
    if (e.what != args_error::kind::unexpected_value)
      return usage_error("unknown option '" + e.word + "'");
    // shoald has always read a flag given a value ("--fresh=1") as the flag alone; scripts
    // may say it so.
    apply(c, std::string(e.option->name), {}, socket, state_dir, programs);
    rest = rest.subspan(e.index + 1);
  }
  c.socket_path = absolute_path(socket.empty() ? default_socket_path() : socket);
  c.state_dir = absolute_path(state_dir.empty() ? default_state_dir() : state_dir);
  if (!programs.empty()) {
    c.programs_path = absolute_path(programs);  // a missing file is refused when the daemon starts
  } else if (::geteuid() == 0) {
    struct stat st {};
    if (::stat(default_programs_file, &st) == 0) c.programs_path = default_programs_file;
  }
  if (c.socket_path.size() >= 108)
    return usage_error("socket path '" + c.socket_path + "' is longer than 107 bytes");
  return c;
}

}  // namespace shoal
