// The process verbs whose work fills a file of its own: what client/verbs_process.cpp's table
// runs for `start` (client/verb_start.cpp) and `logs` (client/verb_logs.cpp).
#pragma once

#include "client/invocation.hpp"

namespace shoal::cli {

int run_start(invocation& inv);
int run_logs(invocation& inv);

}  // namespace shoal::cli
