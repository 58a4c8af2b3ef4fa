#include "daemon/socket_listeners.hpp"

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "daemon/file_text.hpp"

namespace shoal {

bool someone_listens_on(const std::string& path) {
  // "Num RefCount Protocol Flags Type St Inode Path", one socket a line; flag 0x10000
  // (__SO_ACCEPTCON) marks a listening one. The path runs to the end of the line.
  constexpr unsigned long accepting = 0x10000;
  auto table = read_file_text("/proc/net/unix", std::size_t{256} << 20);
  if (!table) return false;
  std::string_view rest = *table;
  rest.remove_prefix(std::min(rest.size(), rest.find('\n') + 1));  // the header
  while (!rest.empty()) {
    std::size_t eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
    std::string_view field[7];
    bool whole = true;
    for (auto& f : field) {
      std::size_t at = line.find_first_not_of(' ');
      if (at == std::string_view::npos) {
        whole = false;
        break;
      }
      line.remove_prefix(at);
      f = line.substr(0, line.find(' '));
      line.remove_prefix(f.size());
    }
    if (!whole) continue;
    std::size_t at = line.find_first_not_of(' ');
    std::string_view bound = at == std::string_view::npos ? std::string_view() : line.substr(at);
    if (bound == path &&
        (std::strtoul(std::string(field[3]).c_str(), nullptr, 16) & accepting) != 0)
      return true;
  }
  return false;
}

}  // namespace shoal
