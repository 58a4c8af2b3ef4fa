#include "daemon/config.hpp"

#include <unistd.h>

#include <charconv>
#include <climits>
#include <cstdlib>
#include <filesystem>

#include "common/byte_size.hpp"
#include "common/paths.hpp"

namespace shoal {
namespace {

constexpr const char* default_programs_file = "/etc/shoal/programs.json";

status usage_error(std::string message) {
  return {errc::bad_request, std::move(message) + " (see 'shoald --help')"};
}

std::string absolute(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
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
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    std::string value;
    bool has_inline = false;
    std::string key = arg;
    if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      key = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_inline = true;
    }
    auto take = [&](std::string& out) -> bool {
      if (has_inline) {
        out = value;
        return true;
      }
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    if (key == "--help" || key == "-h") {
      c.show_help = true;
    } else if (key == "--version") {
      c.show_version = true;
    } else if (key == "--fresh") {
      c.fresh = true;
    } else if (key == "--cleanup") {
      c.cleanup = true;
    } else if (key == "--socket") {
      if (!take(socket) || socket.empty()) return usage_error("--socket needs a path");
    } else if (key == "--state-dir") {
      if (!take(state_dir) || state_dir.empty())
        return usage_error("--state-dir needs a directory");
    } else if (key == "--allow-group") {
      if (!take(c.allow_group) || c.allow_group.empty())
        return usage_error("--allow-group needs a group name or gid");
    } else if (key == "--programs") {
      if (!take(programs) || programs.empty()) return usage_error("--programs needs a file");
    } else if (key == "--log-level") {
      std::string lvl;
      if (!take(lvl) || !log::parse_level(lvl, c.log_level))
        return usage_error("--log-level takes debug, info, warning or error");
    } else if (key == "--stop-timeout") {
      std::string s;
      char* end = nullptr;
      if (!take(s)) return usage_error("--stop-timeout needs a number of seconds");
      double v = std::strtod(s.c_str(), &end);
      if (s.empty() || *end != '\0' || !(v >= 0) || v > 86400)
        return usage_error("--stop-timeout needs a number of seconds between 0 and 86400");
      c.stop_grace_seconds = v;
    } else if (key == "--shm-size") {
      std::string s;
      std::optional<std::uint64_t> size;
      if (take(s)) size = parse_byte_size(s);
      if (!size || *size < 4096 || *size > (std::uint64_t{1} << 34))
        return usage_error("--shm-size needs a size between 4K and 16G, e.g. 1M");
      c.shm_size = static_cast<std::size_t>(*size);
    } else if (key == "--log-max-bytes") {
      std::string s;
      std::optional<std::uint64_t> size;
      if (take(s)) size = parse_byte_size(s);
      if (!size || !valid_log_max_bytes(*size))
        return usage_error("--log-max-bytes needs " + std::string(log_max_bytes_rule) +
                           ", e.g. 10M");
      c.log_limits.max_bytes = *size;
    } else if (key == "--log-backups") {
      std::string s;
      int n = -1;
      if (take(s)) {
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (ec != std::errc{} || end != s.data() + s.size()) n = -1;
      }
      if (!valid_log_backups(n))
        return usage_error("--log-backups needs " + std::string(log_backups_rule));
      c.log_limits.backups = n;
    } else if (key == "--max-queued-bytes") {
      std::string s;
      std::optional<std::uint64_t> size;
      if (take(s)) size = parse_byte_size(s);
      if (!size || *size < min_max_queued_bytes || *size > (std::uint64_t{1} << 40))
        return usage_error("--max-queued-bytes needs a size between 4M and 1T, e.g. 64M");
      c.max_queued_bytes = static_cast<std::size_t>(*size);
    } else {
      return usage_error("unknown option '" + arg + "'");
    }
  }
  c.socket_path = absolute(socket.empty() ? default_socket_path() : socket);
  c.state_dir = absolute(state_dir.empty() ? default_state_dir() : state_dir);
  if (!programs.empty()) {
    c.programs_path = absolute(programs);  // a missing file is refused when the daemon starts
  } else if (::geteuid() == 0) {
    std::error_code ec;
    if (std::filesystem::exists(default_programs_file, ec)) c.programs_path = default_programs_file;
  }
  if (c.socket_path.size() >= 108)
    return usage_error("socket path '" + c.socket_path + "' is longer than 107 bytes");
  return c;
}

}  // namespace shoal
