#include "daemon/process_record.hpp"

#include "common/signals.hpp"
#include "common/time_format.hpp"

namespace shoal {

std::string_view to_string(process_state s) {
  switch (s) {
    case process_state::running: return "running";
    case process_state::stopping: return "stopping";
    case process_state::backoff: return "backoff";
    case process_state::exited: return "exited";
    case process_state::fatal: return "fatal";
  }
  return "exited";
}

json to_json(const process_record& r) {
  json j = {
      {"name", r.name},
      {"pid", r.pid},
      {"state", to_string(r.state)},
      {"exitcode", r.exitcode ? json(*r.exitcode) : json(nullptr)},
      {"signal", r.term_signal ? json(signal_name(*r.term_signal)) : json(nullptr)},
      {"core_dumped", r.core_dumped},
      {"escalated", r.escalated},
      {"argv", r.argv},
      {"cwd", r.cwd},
      {"started_at", to_rfc3339(r.started_at)},
      {"ended_at", r.ended_at ? json(to_rfc3339(*r.ended_at)) : json(nullptr)},
      {"program", r.program.empty() ? json(nullptr) : json(r.program)},
      {"user", r.user},
      {"uid", r.uid},
      {"group", r.group},
      {"gid", r.gid},
      {"restart", to_string(r.restarts.settings().mode)},
      {"restart_max", r.restarts.settings().max_restarts},
      {"restart_window", r.restarts.settings().window_seconds},
      {"restarts", r.restart_count},
      {"attempt", r.restarts.attempt()},
      {"next_attempt_at", r.next_attempt_at ? json(to_rfc3339(*r.next_attempt_at)) : json(nullptr)},
  };
  if (r.output) {
    j["log_max_bytes"] = r.output->limits().max_bytes;
    j["log_backups"] = r.output->limits().backups;
    j["logs"] = r.output->describe();
  }
  return j;
}

}  // namespace shoal
