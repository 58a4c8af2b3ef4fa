// Wall-clock times on the wire: RFC 3339, UTC, milliseconds ("2026-11-24T17:55:01.123Z").
#pragma once

#include <chrono>
#include <string>

namespace shoal {

std::string to_rfc3339(std::chrono::system_clock::time_point t);
// The same, appended to `out` (years 0 to 9999).
void append_rfc3339(std::string& out, std::chrono::system_clock::time_point t);

}  // namespace shoal
