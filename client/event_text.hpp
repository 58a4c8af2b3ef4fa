// shoald's events (docs/protocol.md, `watch`) as one line a person reads: what `shoal watch`
// prints on a terminal and `shoal top` lists under "events".
#pragma once

#include <string>
#include <string_view>

#include "common/protocol.hpp"

namespace shoal::cli {

// How an event reads at a glance; the caller decides whether to colour it.
enum class event_tone { plain, good, warning, bad };

struct event_text {
  std::string time;  // "17:55:01", local time; "--:--:--" when the event has none
  std::string what;  // "web-1 exited with 1 (pid 4242)"
  event_tone tone = event_tone::plain;
};

// Every type the daemon sends has its own wording; a type this client does not know yet is
// shown as "TYPE NAME" with its other fields as compact JSON, so nothing is hidden.
event_text describe_event(const json& event);

// "17:55:01 #18 web-1 exited with 1 (pid 4242)", with ANSI colour when `color` is set.
std::string format_event_line(const json& event, bool color);

}  // namespace shoal::cli
