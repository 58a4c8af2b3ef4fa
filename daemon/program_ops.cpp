#include "daemon/program_ops.hpp"

#include "daemon/log.hpp"

namespace shoal {

void register_program_ops(dispatcher& d, program_table* programs) {
  d.add("reload", [programs](const json&, const responder& reply) {
    if (!programs)
      return reply.fail(errc::invalid_state,
                        "shoald runs without a programs file (start it with --programs FILE)");
    auto applied = programs->reload();
    if (!applied) {
      log::error("reload refused, keeping the programs in force: {}", applied.error().message());
      return reply.fail(applied.error());
    }
    log::info("reloaded '{}'", programs->path());
    reply.ok(std::move(*applied));
  });
}

}  // namespace shoal
