#include "client/key_input.hpp"

namespace shoal::cli {
namespace {

key_kind csi_key(std::string_view params, char final) {
  switch (final) {
    case 'A':
      return key_kind::up;
    case 'B':
      return key_kind::down;
    case 'H':
      return key_kind::home;
    case 'F':
      return key_kind::end;
    case '~':
      if (params == "5") return key_kind::page_up;
      if (params == "6") return key_kind::page_down;
      if (params == "1" || params == "7") return key_kind::home;
      if (params == "4" || params == "8") return key_kind::end;
      return key_kind::other;
    default:
      return key_kind::other;
  }
}

}  // namespace

std::vector<key_press> decode_keys(std::string_view bytes) {
  std::vector<key_press> keys;
  std::size_t i = 0;
  while (i < bytes.size()) {
    char c = bytes[i];
    if (c != '\x1b') {
      if (c == '\r' || c == '\n')
        keys.push_back({key_kind::enter, c});
      else
        keys.push_back({key_kind::character, c});
      ++i;
      continue;
    }
    if (i + 1 >= bytes.size()) {
      keys.push_back({key_kind::escape, c});
      ++i;
      continue;
    }
    char intro = bytes[i + 1];
    if (intro == '[') {
      // CSI: parameter and intermediate bytes, then one final byte in 0x40..0x7e.
      std::size_t j = i + 2;
      while (j < bytes.size() && !(bytes[j] >= 0x40 && bytes[j] <= 0x7e)) ++j;
      if (j >= bytes.size()) {
        keys.push_back({key_kind::other, 0});
        break;
      }
      keys.push_back({csi_key(bytes.substr(i + 2, j - i - 2), bytes[j]), 0});
      i = j + 1;
    } else if (intro == 'O' && i + 2 < bytes.size()) {
      // SS3, as terminals in application cursor mode send arrows.
      char f = bytes[i + 2];
      key_kind k = f == 'A'   ? key_kind::up
                   : f == 'B' ? key_kind::down
                   : f == 'H' ? key_kind::home
                   : f == 'F' ? key_kind::end
                              : key_kind::other;
      keys.push_back({k, 0});
      i += 3;
    } else {
      // Alt+key: ESC then the key. Escape is what is meant, then the key itself.
      keys.push_back({key_kind::escape, '\x1b'});
      ++i;
    }
  }
  return keys;
}

}  // namespace shoal::cli
