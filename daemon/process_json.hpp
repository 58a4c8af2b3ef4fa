// The protocol's view of the process table (docs/protocol.md): a record as `start`, `status`,
// `join` and friends answer it, and the supervisor's events as `watch` streams them.
#pragma once

#include <optional>
#include <string>

#include "common/protocol.hpp"
#include "daemon/event_log.hpp"
#include "daemon/proc_stats.hpp"
#include "daemon/process_record.hpp"
#include "daemon/supervisor.hpp"

namespace shoal {

json to_json(const process_record& record);

// to_json(record) as the text its dump() writes, members in the same order: what `start`,
// `join` and `stop` answer, written directly because each start and each exit answers one
// before anything else can run.
std::string record_json_text(const process_record& record);

// The record as `status` lists it: to_json(record) with cpu_seconds, cpu_percent and
// rss_bytes from `usage` (null without), appended to `out` as the text json's dump() would
// write, members in the same order. Written directly, because building a json tree for every
// record cost `status` of many processes twice the time of the reply's text.
void append_status_json(std::string& out, const process_record& record,
                        const std::optional<proc_usage>& usage);

// Appends `event` to the event log under its protocol name (started, exited, stopped,
// restarting, fatal); events the protocol does not show (finished) are left out.
void publish(event_log& events, const supervisor_event& event);

}  // namespace shoal
