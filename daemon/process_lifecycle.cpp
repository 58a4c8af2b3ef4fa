#include "daemon/process_lifecycle.hpp"

namespace shoal {

std::optional<process_state> next_state(process_state state, process_event event) {
  using s = process_state;
  using e = process_event;
  switch (state) {
    case s::running:
      switch (event) {
        case e::stop:
          return s::stopping;
        case e::ended:
          return s::exited;
        case e::ended_restart:
          return s::backoff;
        case e::ended_give_up:
          return s::fatal;
        case e::respawned:
          return std::nullopt;
      }
      break;
    case s::stopping:
      switch (event) {
        case e::stop:
          return s::stopping;  // a second stop may only shorten the grace period
        case e::ended:
        case e::ended_restart:
        case e::ended_give_up:
          return s::exited;  // a stopped run never restarts
        case e::respawned:
          return std::nullopt;
      }
      break;
    case s::backoff:
      switch (event) {
        case e::stop:
          return s::exited;
        case e::ended:
          return s::exited;
        case e::ended_restart:
          return s::backoff;
        case e::ended_give_up:
          return s::fatal;
        case e::respawned:
          return s::running;
      }
      break;
    case s::exited:
    case s::fatal:
    case s::lost:
      return std::nullopt;
  }
  return std::nullopt;
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
  }
  return "stop";
}

}  // namespace shoal
