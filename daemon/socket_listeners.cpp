#include "daemon/socket_listeners.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace shoal {

bool someone_listens_on(const std::string& path) {
  // "Num RefCount Protocol Flags Type St Inode Path", one socket a line; flag 0x10000
  // (__SO_ACCEPTCON) marks a listening one. The path runs to the end of the line.
  constexpr unsigned long accepting = 0x10000;
  std::ifstream table("/proc/net/unix");
  std::string line;
  std::getline(table, line);  // the header
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string num, refcount, protocol, flags, type, state, inode;
    if (!(fields >> num >> refcount >> protocol >> flags >> type >> state >> inode)) continue;
    std::string bound;
    std::getline(fields >> std::ws, bound);
    if (bound == path && (std::strtoul(flags.c_str(), nullptr, 16) & accepting) != 0) return true;
  }
  return false;
}

}  // namespace shoal
