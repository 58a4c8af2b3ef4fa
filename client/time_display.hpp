// Times from process records, shown to people: "3m12s" of uptime, "5s ago".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace shoal::cli {

// Parses the protocol's RFC 3339 UTC form, "2026-11-24T17:55:01.123Z" (the fraction is
// optional, any number of digits). nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

// Two most significant units, no spaces: "45s", "3m12s", "2h05m", "3d04h". Negative
// durations (clock skew) show as "0s".
std::string format_duration(std::chrono::seconds d);

// The local wall-clock time of `t` as "17:55:01".
std::string local_clock(std::chrono::system_clock::time_point t);

}  // namespace shoal::cli
