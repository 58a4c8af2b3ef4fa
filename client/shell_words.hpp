// Argument vectors shown to people the way a POSIX shell would need them typed.
#pragma once

#include <string>
#include <string_view>

#include "common/protocol.hpp"

namespace shoal::cli {

// `word` as is when it holds only characters no shell treats specially; otherwise in single
// quotes, with each ' written as '\''. The empty word is ''.
std::string shell_quote(std::string_view word);

// The strings of a JSON array, quoted and joined by spaces; non-strings are skipped.
std::string shell_join(const json& argv);

}  // namespace shoal::cli
