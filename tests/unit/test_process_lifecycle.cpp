#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <utility>

#include "daemon/process_lifecycle.hpp"

using namespace shoal;

namespace {

using S = process_state;
using E = process_event;

// The whole table written out: every state against every event, and where it leads (empty:
// the event cannot happen in that state and changes nothing).
const std::map<std::pair<S, E>, std::optional<S>> expected = {
    {{S::running, E::stop}, S::stopping},
    {{S::running, E::ended}, S::exited},
    {{S::running, E::ended_restart}, S::backoff},
    {{S::running, E::ended_give_up}, S::fatal},
    {{S::running, E::respawned}, std::nullopt},
    {{S::running, E::untraceable}, S::lost},

    {{S::stopping, E::stop}, S::stopping},
    {{S::stopping, E::ended}, S::exited},
    {{S::stopping, E::ended_restart}, S::exited},
    {{S::stopping, E::ended_give_up}, S::exited},
    {{S::stopping, E::respawned}, std::nullopt},
    {{S::stopping, E::untraceable}, S::lost},

    {{S::backoff, E::stop}, S::exited},
    {{S::backoff, E::ended}, S::exited},
    {{S::backoff, E::ended_restart}, S::backoff},
    {{S::backoff, E::ended_give_up}, S::fatal},
    {{S::backoff, E::respawned}, S::running},
    {{S::backoff, E::untraceable}, std::nullopt},

    {{S::exited, E::stop}, std::nullopt},
    {{S::exited, E::ended}, std::nullopt},
    {{S::exited, E::ended_restart}, std::nullopt},
    {{S::exited, E::ended_give_up}, std::nullopt},
    {{S::exited, E::respawned}, std::nullopt},
    {{S::exited, E::untraceable}, std::nullopt},

    {{S::fatal, E::stop}, std::nullopt},
    {{S::fatal, E::ended}, std::nullopt},
    {{S::fatal, E::ended_restart}, std::nullopt},
    {{S::fatal, E::ended_give_up}, std::nullopt},
    {{S::fatal, E::respawned}, std::nullopt},
    {{S::fatal, E::untraceable}, std::nullopt},

    // lost: set when restoring a record whose pid cannot be verified, or when a process ended
    // out of sight (untraceable); nothing leaves it.
    {{S::lost, E::stop}, std::nullopt},
    {{S::lost, E::ended}, std::nullopt},
    {{S::lost, E::ended_restart}, std::nullopt},
    {{S::lost, E::ended_give_up}, std::nullopt},
    {{S::lost, E::respawned}, std::nullopt},
    {{S::lost, E::untraceable}, std::nullopt},
};

}  // namespace

TEST_CASE("every state against every event leads where the lifecycle says") {
  std::size_t checked = 0;
  for (auto state : all_process_states) {
    for (auto event : all_process_events) {
      CAPTURE(to_string(state));
      CAPTURE(to_string(event));
      auto want = expected.find({state, event});
      REQUIRE(want != expected.end());
      CHECK(next_state(state, event) == want->second);
      ++checked;
    }
  }
  CHECK(checked == expected.size());
}

TEST_CASE("done states are final, alive states have a process, backoff has neither") {
  for (auto state : all_process_states) {
    CAPTURE(to_string(state));
    if (is_done(state))
      for (auto event : all_process_events) CHECK_FALSE(next_state(state, event));
    CHECK_FALSE((is_done(state) && is_alive(state)));
  }
  CHECK(is_alive(S::running));
  CHECK(is_alive(S::stopping));
  CHECK_FALSE(is_alive(S::backoff));
  CHECK_FALSE(is_done(S::backoff));
  CHECK(is_done(S::exited));
  CHECK(is_done(S::fatal));
}

TEST_CASE("only runs that were not stopped are judged by the restart policy") {
  CHECK(restart_policy_applies(S::running));
  CHECK(restart_policy_applies(S::backoff));
  CHECK_FALSE(restart_policy_applies(S::stopping));
  CHECK_FALSE(restart_policy_applies(S::exited));
  CHECK_FALSE(restart_policy_applies(S::fatal));
}
