// Signal names as people and the protocol spell them: "SIGTERM", "TERM" or "15".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shoal {

// Accepts "SIGTERM", "TERM", "sigterm", "15"; nullopt for anything else (and for 0).
std::optional<int> parse_signal(std::string_view text);
// "SIGTERM" for 15; "SIG42" for a number without a name (real-time signals).
std::string signal_name(int signo);

}  // namespace shoal
