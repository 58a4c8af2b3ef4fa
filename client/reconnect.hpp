// What the long-lived verbs (join, logs --follow, watch) do when their connection to shoald is
// lost: the keeper keeps every child, its exit code and its output through a crash or an
// upgrade (docs/restore.md), so rather than fail they wait for a daemon to answer on the
// socket again and carry on there, each from where it was.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

#include "client/connection.hpp"
#include "client/invocation.hpp"

namespace shoal::cli {

// How long a verb whose daemon went away waits for one to answer on the socket again: a
// systemd restart or `reexec` is back within a second or two.
inline constexpr auto daemon_return_patience = std::chrono::seconds(30);

// When a verb's --timeout runs out, counted from its start across every reconnection.
using deadline = std::optional<std::chrono::steady_clock::time_point>;
deadline deadline_after(std::optional<double> seconds);

// Says "shoal: lost shoald at PATH while DOING; waiting up to 30 s for it to come back" on
// stderr, then connects again as soon as a daemon listens, waiting up to
// daemon_return_patience and never past `until`. Nothing when no daemon answered in time or
// `give_up` (polled every tenth of a second: a Ctrl-C) said so.
std::optional<connection> reconnect(invocation& inv, std::string_view doing, deadline until,
                                    const std::function<bool()>& give_up = {});

}  // namespace shoal::cli
