#include "daemon/process_json.hpp"

#include "common/signals.hpp"
#include "common/time_format.hpp"

namespace shoal {
namespace {

json ended_fields(const process_record& r) {
  return {{"pid", r.pid},
          {"exitcode", r.exitcode ? json(*r.exitcode) : json(nullptr)},
          {"signal", r.term_signal ? json(signal_name(*r.term_signal)) : json(nullptr)}};
}

}  // namespace

json to_json(const process_record& r) {
  json j = {
      {"name", r.name},
      {"pid", r.pid},
      {"state", to_string(r.state)},
      {"exitcode", r.exitcode ? json(*r.exitcode) : json(nullptr)},
      {"signal", r.term_signal ? json(signal_name(*r.term_signal)) : json(nullptr)},
      {"core_dumped", r.core_dumped},
      {"escalated", r.escalated},
      {"argv", r.spec.argv},
      {"cwd", r.spec.cwd},
      {"started_at", to_rfc3339(r.started_at)},
      {"ended_at", r.ended_at ? json(to_rfc3339(*r.ended_at)) : json(nullptr)},
      {"program", r.spec.program.empty() ? json(nullptr) : json(r.spec.program)},
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

void publish(event_log& events, const supervisor_event& e) {
  using kind = supervisor_event::kind;
  const process_record& r = e.record;
  const char* type = nullptr;
  json fields = json::object();
  switch (e.what) {
    case kind::started:
      type = "started";
      fields = {{"pid", r.pid}};
      break;
    case kind::respawned:
      type = "started";
      fields = {{"pid", r.pid}, {"restarts", r.restart_count}};
      break;
    case kind::exited:
      type = "exited";
      fields = ended_fields(r);
      break;
    case kind::stopped:
      type = "stopped";
      fields = ended_fields(r);
      break;
    case kind::restart_cancelled:
      type = "stopped";
      fields = {{"restart_cancelled", true}};
      break;
    case kind::restarting:
      type = "restarting";
      fields = {{"delay", e.delay_seconds},
                {"attempt", e.attempt},
                {"next_attempt_at",
                 r.next_attempt_at ? json(to_rfc3339(*r.next_attempt_at)) : json(nullptr)}};
      break;
    case kind::fatal:
      type = "fatal";
      fields = {{"restarts", r.restarts.recent_restarts()},
                {"restart_max", r.restarts.settings().max_restarts},
                {"restart_window", r.restarts.settings().window_seconds}};
      break;
    case kind::finished:
    case kind::removed:
      return;
  }
  if (!r.spec.program.empty()) fields["program"] = r.spec.program;
  events.publish(type, r.name, std::move(fields));
}

}  // namespace shoal
