// Reading a record or result the daemon sent, whatever it holds: a field that is missing or of
// another type reads as a placeholder, never as an error (the daemon's reply has been checked
// for being a reply, not for every field a verb prints).
#pragma once

#include <string>

#include "common/protocol.hpp"

namespace shoal::cli {

// The string at `key` of the object `j`; `fallback` when there is none.
std::string string_field(const json& j, const char* key, std::string fallback = "?");
// The integer at `key` of the object `j`, as text; "?" when there is none.
std::string number_field(const json& j, const char* key);
// How a process ended: "exited with 3", "was killed by SIGKILL (core dumped)".
std::string describe_end(const json& record);

}  // namespace shoal::cli
