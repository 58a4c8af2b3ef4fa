#include "daemon/process_lifecycle.hpp"

#include <cstddef>
#include <iterator>

namespace shoal {

namespace {

using S = process_state;
constexpr std::optional<process_state> cannot = std::nullopt;

// Where each event takes each state: a row per process_state and a column per process_event,
// both in declaration order (checked below). `cannot`: the event cannot happen in that state.
constexpr std::optional<process_state>
    transitions[std::size(all_process_states)][std::size(all_process_events)] = {
        //              stop         ended      ended_restart ended_give_up respawned untraceable
        /* running  */ {S::stopping, S::exited, S::backoff, S::fatal, cannot, S::lost},
        // A second stop may only shorten the grace period; a stopped run never restarts.
        /* stopping */ {S::stopping, S::exited, S::exited, S::exited, cannot, S::lost},
        // stop cancels the restart; ended_restart is a respawn that failed.
        /* backoff  */ {S::exited, S::exited, S::backoff, S::fatal, S::running, cannot},
        /* exited   */ {cannot, cannot, cannot, cannot, cannot, cannot},
        /* fatal    */ {cannot, cannot, cannot, cannot, cannot, cannot},
        /* lost     */ {cannot, cannot, cannot, cannot, cannot, cannot},
};

constexpr bool in_declaration_order() {
  for (std::size_t i = 0; i < std::size(all_process_states); ++i)
    if (static_cast<std::size_t>(all_process_states[i]) != i) return false;
  for (std::size_t i = 0; i < std::size(all_process_events); ++i)
    if (static_cast<std::size_t>(all_process_events[i]) != i) return false;
  return true;
}
static_assert(in_declaration_order(), "the table's rows and columns follow the enums' order");

}  // namespace

std::optional<process_state> next_state(process_state state, process_event event) {
  return transitions[static_cast<std::size_t>(state)][static_cast<std::size_t>(event)];
}

bool restart_policy_applies(process_state state) {
  return state == process_state::running || state == process_state::backoff;
}

bool is_alive(process_state state) {
  return state == process_state::running || state == process_state::stopping;
}

bool is_done(process_state state) {
  return state == process_state::exited || state == process_state::fatal ||
         state == process_state::lost;
}

std::string_view to_string(process_state state) {
  switch (state) {
    case process_state::running:
      return "running";
    case process_state::stopping:
      return "stopping";
    case process_state::backoff:
      return "backoff";
    case process_state::exited:
      return "exited";
    case process_state::fatal:
      return "fatal";
    case process_state::lost:
      return "lost";
  }
  return "exited";
}

std::string_view to_string(process_event event) {
  switch (event) {
    case process_event::stop:
      return "stop";
    case process_event::ended:
      return "ended";
    case process_event::ended_restart:
      return "ended_restart";
    case process_event::ended_give_up:
      return "ended_give_up";
    case process_event::respawned:
      return "respawned";
    case process_event::untraceable:
      return "untraceable";
  }
  return "stop";
}

}  // namespace shoal
