// Expands what a client names into process names (common/target_pattern.hpp says what a target
// is): `status` takes targets in `names`, and the CLI acts on what they expand to.
#pragma once

#include <string>
#include <vector>

#include "common/status.hpp"
#include "daemon/supervisor.hpp"

namespace shoal {

enum class target_scope {
  records,               // processes the daemon has a record of
  records_and_declared,  // also declared instances never started (what `start` may start)
};

// One name a target matched: a record's, or a declared instance's that never started.
struct target_match {
  const process_record* record = nullptr;  // the supervisor's; valid until the table changes
  std::string declared_name;               // without a record only

  const std::string& name() const { return record ? record->name : declared_name; }
};

// Each target's matches in natural order, targets in the order given, no name twice. A
// target that matches nothing is not_found ("no process named 'x'", "no process matches
// 'web-*'"), except a declared program's name, which may have no process yet; `all` may
// match nothing. A malformed target is bad_request.
result<std::vector<target_match>> expand_targets(const supervisor& s,
                                                 const std::vector<std::string>& targets,
                                                 target_scope scope);

}  // namespace shoal
