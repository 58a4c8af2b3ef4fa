// Keys from a terminal in raw mode: bytes as typed, arrows as escape sequences.
#pragma once

#include <string_view>
#include <vector>

namespace shoal::cli {

enum class key_kind { character, up, down, page_up, page_down, home, end, escape, enter, other };

struct key_press {
  key_kind kind = key_kind::other;
  char ch = 0;  // for `character`: the byte (control keys too: Ctrl-C is '\x03')
  bool operator==(const key_press&) const = default;
};

// Every key in `bytes`, one read's worth. A terminal writes a key's sequence in one piece,
// so an ESC at the very end of a read is the Escape key, not half an arrow. Sequences this
// view has no use for come out as `other`, whole, so their bytes never read as letters.
std::vector<key_press> decode_keys(std::string_view bytes);

}  // namespace shoal::cli
