// What nlohmann/json alone needs for a reply the daemon sends: the floor a `status` reply's
// time is compared with.
#pragma once

#include <string>

#include "bench/samples.hpp"

namespace shoal::bench {

// `n` samples of: a deep copy of the parsed reply (standing in for building it node by node),
// dump, destroy, in this process, as the daemon does for every reply.
samples json_floor(const std::string& reply_line, long n);

}  // namespace shoal::bench
