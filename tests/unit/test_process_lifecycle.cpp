#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <utility>

#include "daemon/process_lifecycle.hpp"

using namespace shoal;

namespace {

using s = process_state;
using e = process_event;

// The whole table written out: every state against every event, and where it leads (empty:
// the event cannot happen in that state and changes nothing).
const std::map<std::pair<s, e>, std::optional<s>> expected = {
    {{s::running, e::stop}, s::stopping},
    {{s::running, e::ended}, s::exited},
    {{s::running, e::ended_restart}, s::backoff},
    {{s::running, e::ended_give_up}, s::fatal},
    {{s::running, e::respawned}, std::nullopt},
    {{s::running, e::untraceable}, s::lost},

    {{s::stopping, e::stop}, s::stopping},
    {{s::stopping, e::ended}, s::exited},
    {{s::stopping, e::ended_restart}, s::exited},
    {{s::stopping, e::ended_give_up}, s::exited},
    {{s::stopping, e::respawned}, std::nullopt},
    {{s::stopping, e::untraceable}, s::lost},

    {{s::backoff, e::stop}, s::exited},
    {{s::backoff, e::ended}, s::exited},
    {{s::backoff, e::ended_restart}, s::backoff},
    {{s::backoff, e::ended_give_up}, s::fatal},
    {{s::backoff, e::respawned}, s::running},
    {{s::backoff, e::untraceable}, std::nullopt},

    {{s::exited, e::stop}, std::nullopt},
    {{s::exited, e::ended}, std::nullopt},
    {{s::exited, e::ended_restart}, std::nullopt},
    {{s::exited, e::ended_give_up}, std::nullopt},
    {{s::exited, e::respawned}, std::nullopt},
    {{s::exited, e::untraceable}, std::nullopt},

    {{s::fatal, e::stop}, std::nullopt},
    {{s::fatal, e::ended}, std::nullopt},
    {{s::fatal, e::ended_restart}, std::nullopt},
    {{s::fatal, e::ended_give_up}, std::nullopt},
    {{s::fatal, e::respawned}, std::nullopt},
    {{s::fatal, e::untraceable}, std::nullopt},

    // lost: set when restoring a record whose pid cannot be verified, or when a process ended
    // out of sight (untraceable); nothing leaves it.
    {{s::lost, e::stop}, std::nullopt},
    {{s::lost, e::ended}, std::nullopt},
    {{s::lost, e::ended_restart}, std::nullopt},
    {{s::lost, e::ended_give_up}, std::nullopt},
    {{s::lost, e::respawned}, std::nullopt},
    {{s::lost, e::untraceable}, std::nullopt},
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
  CHECK(is_alive(s::running));
  CHECK(is_alive(s::stopping));
  CHECK_FALSE(is_alive(s::backoff));
  CHECK_FALSE(is_done(s::backoff));
  CHECK(is_done(s::exited));
  CHECK(is_done(s::fatal));
}

TEST_CASE("only runs that were not stopped are judged by the restart policy") {
  CHECK(restart_policy_applies(s::running));
  CHECK(restart_policy_applies(s::backoff));
  CHECK_FALSE(restart_policy_applies(s::stopping));
  CHECK_FALSE(restart_policy_applies(s::exited));
  CHECK_FALSE(restart_policy_applies(s::fatal));
}
