#include "daemon/process_json.hpp"

#include <string_view>

#include "common/rounding.hpp"
#include "common/signals.hpp"
#include "common/time_format.hpp"
#include "daemon/json_text.hpp"

namespace shoal {
namespace {

using namespace std::string_view_literals;

// The pieces of append_status_json, each writing what json's dump() writes for the value.
using json_text::append_double;
using json_text::append_integer;
using json_text::append_optional;
using json_text::append_string;
using json_text::append_strings;

// An empty text is no value: null.
void append_text_or_null(std::string& out, const std::string& text) {
  if (text.empty())
    out += "null"sv;
  else
    append_string(out, text);
}

void append_time(std::string& out, std::chrono::system_clock::time_point at) {
  out += '"';  // digits and separators only: nothing to escape
  append_rfc3339(out, at);
  out += '"';
}

void append_stream(std::string& out, const rotating_log& log) {
  out += "{\"dropped_bytes\":"sv;
  append_integer(out, log.dropped_bytes());
  out += ",\"error\":"sv;
  if (log.error().empty())
    out += "null"sv;
  else
    append_string(out, log.error());
  out += ",\"failed_writes\":"sv;
  append_integer(out, log.failed_writes());
  out += ",\"rotations\":"sv;
  append_integer(out, log.rotations());
  out += ",\"written_bytes\":"sv;
  append_integer(out, log.written_bytes());
  out += '}';
}

// A stream of a done record that wrote nothing (process_record::quiet_log_limits): what
// append_stream writes for a log that was never written to.
constexpr std::string_view quiet_stream =
    "{\"dropped_bytes\":0,\"error\":null,\"failed_writes\":0,\"rotations\":0,\"written_bytes\":0}";

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
      {"lost_reason", r.lost_reason.empty() ? json(nullptr) : json(r.lost_reason)},
  };
  if (r.output) {
    j["log_max_bytes"] = r.output->limits().max_bytes;
    j["log_backups"] = r.output->limits().backups;
    j["logs"] = r.output->describe();
  } else if (r.quiet_log_limits) {
    j["log_max_bytes"] = r.quiet_log_limits->max_bytes;
    j["log_backups"] = r.quiet_log_limits->backups;
    json quiet = json::parse(quiet_stream);
    j["logs"] = {{"stdout", quiet}, {"stderr", quiet}};
  } else if (!r.spec.logs) {
    j["logs"] = nullptr;
  }
  return j;
}

namespace {

// to_json(r)'s members, and with `usage` (when not null) the three of status.
void append_record(std::string& out, const process_record& r,
                   const std::optional<proc_usage>* usage) {
  // Members in the order of json's object (std::map): bytewise by key.
  out += "{\"argv\":"sv;
  append_strings(out, r.spec.argv);
  out += ",\"attempt\":"sv;
  append_integer(out, r.restarts.attempt());
  out += r.core_dumped ? ",\"core_dumped\":true"sv : ",\"core_dumped\":false"sv;
  // A dead process has no usage: null, as when /proc could not be read.
  auto from_usage = [usage](auto field) {
    return *usage ? std::optional(field(**usage)) : std::nullopt;
  };
  if (usage) {
    out += ",\"cpu_percent\":"sv;
    append_optional(
        out, from_usage([](const proc_usage& u) { return round_to_part(cpu_percent(u), 10); }),
        append_double);
    out += ",\"cpu_seconds\":"sv;
    append_optional(out, from_usage([](const proc_usage& u) { return u.cpu_seconds; }),
                    append_double);
  }
  out += ",\"cwd\":"sv;
  append_string(out, r.spec.cwd);
  out += ",\"ended_at\":"sv;
  append_optional(out, r.ended_at, append_time);
  out += r.escalated ? ",\"escalated\":true"sv : ",\"escalated\":false"sv;
  out += ",\"exitcode\":"sv;
  append_optional(out, r.exitcode, append_integer<int>);
  out += ",\"gid\":"sv;
  append_integer(out, r.gid);
  out += ",\"group\":"sv;
  append_string(out, r.group);
  if (r.output) {
    out += ",\"log_backups\":"sv;
    append_integer(out, r.output->limits().backups);
    out += ",\"log_max_bytes\":"sv;
    append_integer(out, r.output->limits().max_bytes);
    out += ",\"logs\":{\"stderr\":"sv;
    append_stream(out, r.output->stream(output_stream::err));
    out += ",\"stdout\":"sv;
    append_stream(out, r.output->stream(output_stream::out));
    out += '}';
  } else if (r.quiet_log_limits) {
    out += ",\"log_backups\":"sv;
    append_integer(out, r.quiet_log_limits->backups);
    out += ",\"log_max_bytes\":"sv;
    append_integer(out, r.quiet_log_limits->max_bytes);
    out += ",\"logs\":{\"stderr\":"sv;
    out += quiet_stream;
    out += ",\"stdout\":"sv;
    out += quiet_stream;
    out += '}';
  } else if (!r.spec.logs) {
    out += ",\"logs\":null"sv;
  }
  out += ",\"lost_reason\":"sv;
  append_text_or_null(out, r.lost_reason);
  out += ",\"name\":"sv;
  append_string(out, r.name);
  out += ",\"next_attempt_at\":"sv;
  append_optional(out, r.next_attempt_at, append_time);
  out += ",\"pid\":"sv;
  append_integer(out, r.pid);
  out += ",\"program\":"sv;
  append_text_or_null(out, r.spec.program);
  out += ",\"restart\":"sv;
  append_string(out, to_string(r.restarts.settings().mode));
  out += ",\"restart_max\":"sv;
  append_integer(out, r.restarts.settings().max_restarts);
  out += ",\"restart_window\":"sv;
  append_double(out, r.restarts.settings().window_seconds);
  out += ",\"restarts\":"sv;
  append_integer(out, r.restart_count);
  if (usage) {
    out += ",\"rss_bytes\":"sv;
    append_optional(out, from_usage([](const proc_usage& u) { return u.rss_bytes; }),
                    append_integer<std::uint64_t>);
  }
  out += ",\"signal\":"sv;
  append_optional(out, r.term_signal,
                  [](std::string& o, int signo) { append_string(o, signal_name(signo)); });
  out += ",\"started_at\":"sv;
  append_time(out, r.started_at);
  out += ",\"state\":"sv;
  append_string(out, to_string(r.state));
  out += ",\"uid\":"sv;
  append_integer(out, r.uid);
  out += ",\"user\":"sv;
  append_string(out, r.user);
  out += '}';
}

}  // namespace

void append_status_json(std::string& out, const process_record& r,
                        const std::optional<proc_usage>& usage) {
  append_record(out, r, &usage);
}

std::string record_json_text(const process_record& r) {
  std::string out;
  out.reserve(1024);
  append_record(out, r, nullptr);
  return out;
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
