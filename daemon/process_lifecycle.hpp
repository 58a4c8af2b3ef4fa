// Each record's life: its states, the events that move it, and the one function that says
// where an event leads. Every state change of a record goes through next_state(); the
// supervisor decides which event happened, never which state follows.
//
//   (start) --------> running --stop--------------> stopping --ended (any)----> exited
//                     running --ended------------------------------------------> exited
//                     running --ended_restart------------------------------------> backoff
//                     running --ended_give_up------------------------------------> fatal
//   backoff --respawned------------> running  (same record, new pid)
//   backoff --ended_restart--------> backoff  (the respawn failed: a failed run of no length)
//   backoff --ended_give_up--------> fatal
//   backoff --ended----------------> exited
//   backoff --stop-----------------> exited   (the restart is cancelled)
//   running, stopping --untraceable--> lost
//
// The three `ended` events are one run ending, told apart by the restart policy
// (restart_policy.hpp), which judges only runs that were not stopped. exited and fatal are
// final ("done"): no event leaves them; a new start of the name makes a new record.
//
// lost is final too. A daemon restoring its records after a crash or an upgrade
// (docs/restore.md) sets it on a record whose pid it cannot verify as the same process (not
// held by the keeper, or another start time); while the daemon runs, untraceable leads to it:
// the keeper that was the process's parent was lost, the process ended under another parent,
// and its exit status cannot be learned. Its pid is never signalled.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace shoal {

enum class process_state : std::uint8_t { running, stopping, backoff, exited, fatal, lost };

enum class process_event {
  stop,           // a stop request, or the daemon's shutdown
  ended,          // the run ended (reaped, or a respawn failed); no restart is due
  ended_restart,  // the run ended and the restart policy wants another
  ended_give_up,  // the run ended and the restart limit is spent
  respawned,      // the back-off delay elapsed and the process runs again
  untraceable,    // it ended out of the daemon's sight: how is unknown
};

inline constexpr process_state all_process_states[] = {
    process_state::running, process_state::stopping, process_state::backoff,
    process_state::exited,  process_state::fatal,    process_state::lost};
inline constexpr process_event all_process_events[] = {
    process_event::stop,          process_event::ended,     process_event::ended_restart,
    process_event::ended_give_up, process_event::respawned, process_event::untraceable};

// Where `event` takes a record in `state`; empty when the event cannot happen there (the
// caller then changes nothing).
std::optional<process_state> next_state(process_state state, process_event event);

// Whether a run ending in `state` is judged by the restart policy: a stopped run never
// restarts, whatever the policy says.
bool restart_policy_applies(process_state state);

// Has a pid that is not reaped yet.
bool is_alive(process_state state);
// Nothing more will happen on its own: no process, no restart pending.
bool is_done(process_state state);

std::string_view to_string(process_state state);
std::string_view to_string(process_event event);

}  // namespace shoal
