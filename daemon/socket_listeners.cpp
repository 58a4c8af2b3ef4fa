#include "daemon/socket_listeners.hpp"

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "daemon/file_text.hpp"

namespace shoal {
namespace {

// The first word of `line` (words are separated by spaces), taken off its front.
std::string_view take_word(std::string_view& line) {
  line.remove_prefix(std::min(line.find_first_not_of(' '), line.size()));
  std::string_view word = line.substr(0, line.find(' '));
  line.remove_prefix(word.size());
  return word;
}

}  // namespace

bool someone_listens_on(const std::string& path) {
  // "Num RefCount Protocol Flags Type St Inode Path", one socket a line; flag 0x10000
  // (__SO_ACCEPTCON) marks a listening one. The path runs to the end of the line.
  constexpr unsigned long accepting = 0x10000;
  auto table = read_file_text("/proc/net/unix", std::size_t{256} << 20);
  if (!table) return false;
  std::string_view rest = *table;
  rest.remove_prefix(std::min(rest.size(), rest.find('\n') + 1));  // the header
  while (!rest.empty()) {
    std::size_t eol = std::min(rest.find('\n'), rest.size());
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(std::min(eol + 1, rest.size()));
    std::string_view field[7];
    for (auto& f : field) f = take_word(line);
    if (field[6].empty()) continue;  // no inode: not a socket's line
    line.remove_prefix(std::min(line.find_first_not_of(' '), line.size()));
    if (line == path && (std::strtoul(std::string(field[3]).c_str(), nullptr, 16) & accepting) != 0)
      return true;
  }
  return false;
}

}  // namespace shoal
