#include "daemon/targets.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_set>

#include "common/natural_order.hpp"
#include "common/target_pattern.hpp"

namespace shoal {
namespace {

// Views into the supervisor's records, and into `declared` for instances never started: valid
// while expand_targets runs, which changes nothing.
struct candidate {
  const process_record* record;  // null for a declared instance never started
  std::string_view name;
  std::string_view program;  // empty for a process started ad hoc
};

std::vector<candidate> candidates(const supervisor& s, target_scope scope,
                                  const std::vector<std::string>& declared) {
  std::vector<candidate> out;
  auto records = s.records();
  out.reserve(records.size());
  for (const process_record* r : records) out.push_back({r, r->name, r->spec.program});
  if (scope == target_scope::records_and_declared)
    for (const auto& name : declared)
      if (!s.find(name)) out.push_back({nullptr, name, s.declared(name)->program});
  return out;
}

bool declares_program(const supervisor& s, const std::string& program) {
  for (const auto& name : s.declared_names())
    if (s.declared(name)->program == program) return true;
  return false;
}

bool natural_before(const candidate& a, const candidate& b) { return natural_less(a.name, b.name); }

}  // namespace

result<std::vector<target_match>> expand_targets(const supervisor& s,
                                                 const std::vector<std::string>& targets,
                                                 target_scope scope) {
  // Every candidate is listed only for a target that is not a record's name: naming processes
  // (`status web-1`) then costs a lookup each, however many records the table holds.
  std::vector<std::string> declared;
  std::vector<candidate> all;
  bool listed = false;
  auto list_all = [&] {
    if (listed) return;
    if (scope == target_scope::records_and_declared) declared = s.declared_names();
    all = candidates(s, scope, declared);
    listed = true;
  };
  std::vector<target_match> out;
  // One target's matches are distinct names: only two targets or more can name one twice.
  bool dedup = targets.size() > 1;
  std::unordered_set<std::string_view> added;  // views as in `candidate`
  for (const auto& target : targets) {
    if (!is_valid_target(target))
      return status{errc::bad_request,
                    "'" + target + "' is not a valid target: give " + std::string(target_rule)};
    std::vector<candidate> matches;
    const process_record* exact = s.find(target);
    if (exact) {
      matches.push_back({exact, exact->name, {}});  // a process of that name wins
    } else {
      list_all();
      auto same = std::find_if(all.begin(), all.end(),
                               [&](const candidate& c) { return c.name == target; });
      if (same != all.end()) {
        matches.push_back(*same);  // a declared instance's name wins over a program or `all`
      } else if (target == all_target) {
        matches = all;
      } else if (is_glob(target)) {
        for (const auto& c : all)
          if (glob_matches(target, c.name)) matches.push_back(c);
        if (matches.empty()) return status{errc::not_found, "no process matches '" + target + "'"};
      } else {
        for (const auto& c : all)
          if (c.program == target) matches.push_back(c);
        if (matches.empty() && !declares_program(s, target))
          return status{errc::not_found, "no process named '" + target + "'"};
      }
    }
    // Records come in natural order already; only declared names that never ran need a sort.
    if (!std::is_sorted(matches.begin(), matches.end(), natural_before))
      std::sort(matches.begin(), matches.end(), natural_before);
    for (const auto& m : matches) {
      if (dedup && !added.insert(m.name).second) continue;
      out.push_back(m.record ? target_match{m.record, {}}
                             : target_match{nullptr, std::string(m.name)});
    }
  }
  return out;
}

}  // namespace shoal
