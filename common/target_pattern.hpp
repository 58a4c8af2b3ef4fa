// What a verb that acts on processes accepts in place of a name (docs/cli.md, "Targets"): a
// process name, a declared program's name (all its instances), `all`, or a shell glob over
// process names (`'web-*'`). The daemon expands them (the `names` of `status`); the CLI only
// checks their spelling.
#pragma once

#include <string>
#include <string_view>

namespace shoal {

inline constexpr std::string_view all_target = "all";

// Whether `target` holds a glob character: '*', '?' or '['.
bool is_glob(std::string_view target);

// A valid name (names.hpp), or a glob made of name characters and * ? [ ] ! (at most 64
// bytes): what can match a name at all.
bool is_valid_target(std::string_view target);

inline constexpr std::string_view target_rule =
    "a process or program name, 'all', or a glob such as 'web-*'";

// fnmatch(3) without flags: '*' and '?' match any character, '[...]' a set.
bool glob_matches(std::string_view pattern, std::string_view name);

}  // namespace shoal
