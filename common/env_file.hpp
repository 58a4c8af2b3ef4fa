// Environment files in systemd's EnvironmentFile= syntax (systemd.exec(5)), read by
// `shoal start --env-file` and by the programs file's `env_file`:
//
//   # a comment; so is a line starting with ';'
//   DB_HOST=db.internal          unquoted: outer whitespace dropped, '\x' is x
//   GREETING="hello, world"      double quotes: \" \\ \` \$ and \<newline> are escapes,
//                                any other backslash stays as written
//   PATTERN='*.log $HOME'        single quotes: every byte literal, newlines included
//   LONG=first \                 a backslash before the newline continues the value
//        second
//
// A quote is special only where the value starts: `A=x"y"` is the four bytes x"y". Where
// systemd skips what it cannot use (a line without '=', a key like `export A`, invalid UTF-8),
// this parser refuses the file with the line, so a typo is never silently a missing variable.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"

namespace shoal {

// Everything in it must fit in one request line to the daemon.
inline constexpr std::size_t max_env_file_bytes = 512 * 1024;

// Each variable once, in the order of its first assignment, with the value of its last.
using env_vars = std::vector<std::pair<std::string, std::string>>;

// [A-Za-z_][A-Za-z0-9_]*: what a shell and systemd accept as a variable name.
bool is_valid_env_name(std::string_view name);

// Parses a whole file's text. `origin` names it in messages: "ORIGIN:LINE: what is wrong".
// Every refusal is errc::bad_request.
result<env_vars> parse_env_file(std::string_view text, std::string_view origin);

// Reads `path` and parses it; a file that cannot be read is an error naming it and the errno.
result<env_vars> load_env_file(const std::string& path);

// Sets `key` to `value` in `vars`: replaces an earlier value in place, else appends.
void set_env_var(env_vars& vars, std::string key, std::string value);

}  // namespace shoal
