// `reload`: re-read the programs file and apply it (program_table.hpp). docs/protocol.md.
#pragma once

#include "daemon/dispatcher.hpp"
#include "daemon/program_table.hpp"

namespace shoal {

// `programs` may be null: the daemon runs without a programs file and `reload` says so.
void register_program_ops(dispatcher& d, program_table* programs);

}  // namespace shoal
