// The series bench_scale measures, one file each. Every series starts its own private shoald,
// adds its rows to the table, and leaves nothing running.
#pragma once

#include <string>

#include "bench/options.hpp"
#include "bench/scale_table.hpp"
#include "common/status.hpp"

namespace shoal::bench {

// `status` latency (all records and one name) and daemon memory with --children live
// `sleep`s, against what nlohmann/json alone needs for the same reply.
status scale_live_children(const options& opts, scale_table& table);

// Start + join rate of /bin/true with --clients concurrent clients, each on its own connection.
status scale_concurrent_clients(const options& opts, scale_table& table);

// --joiners clients joining one process: the time from its death to the last join reply, and
// the memory each waiting joiner costs.
status scale_joiners(const options& opts, scale_table& table);

// `value_get` by name with --values values in the segment.
status scale_values(const options& opts, scale_table& table);

}  // namespace shoal::bench
