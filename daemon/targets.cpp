#include "daemon/targets.hpp"

#include <algorithm>
#include <set>

#include "common/natural_order.hpp"
#include "common/target_pattern.hpp"

namespace shoal {
namespace {

struct candidate {
  std::string name;
  std::string program;  // empty for a process started ad hoc
};

std::vector<candidate> candidates(const supervisor& s, target_scope scope) {
  std::vector<candidate> out;
  std::set<std::string> seen;
  for (const process_record* r : s.records()) {
    out.push_back({r->name, r->spec.program});
    seen.insert(r->name);
  }
  if (scope == target_scope::records_and_declared)
    for (const auto& name : s.declared_names())
      if (!seen.count(name)) out.push_back({name, s.declared(name)->program});
  return out;
}

bool declares_program(const supervisor& s, const std::string& program) {
  for (const auto& name : s.declared_names())
    if (s.declared(name)->program == program) return true;
  return false;
}

}  // namespace

result<std::vector<std::string>> expand_targets(const supervisor& s,
                                                const std::vector<std::string>& targets,
                                                target_scope scope) {
  // Every candidate is listed only for a target that is not a record's name: naming processes
  // (`status web-1`) then costs a lookup each, however many records the table holds.
  std::vector<candidate> all;
  bool listed = false;
  auto list_all = [&] {
    if (!listed) all = candidates(s, scope);
    listed = true;
  };
  std::vector<std::string> out;
  std::set<std::string> added;
  for (const auto& target : targets) {
    if (!is_valid_target(target))
      return status{errc::bad_request,
                    "'" + target + "' is not a valid target: give " + std::string(target_rule)};
    std::vector<std::string> matches;
    bool exact = s.find(target) != nullptr;
    if (!exact) {
      list_all();
      exact =
          std::any_of(all.begin(), all.end(), [&](const candidate& c) { return c.name == target; });
    }
    if (exact) {
      matches.push_back(target);  // a process of that name wins over a program or `all`
    } else if (target == all_target) {
      for (const auto& c : all) matches.push_back(c.name);
    } else if (is_glob(target)) {
      for (const auto& c : all)
        if (glob_matches(target, c.name)) matches.push_back(c.name);
      if (matches.empty()) return status{errc::not_found, "no process matches '" + target + "'"};
    } else {
      for (const auto& c : all)
        if (c.program == target) matches.push_back(c.name);
      if (matches.empty() && !declares_program(s, target))
        return status{errc::not_found, "no process named '" + target + "'"};
    }
    // Records come in natural order already; only declared names that never ran need a sort.
    if (!std::is_sorted(matches.begin(), matches.end(), natural_order{}))
      std::sort(matches.begin(), matches.end(), natural_order{});
    for (auto& m : matches)
      if (added.insert(m).second) out.push_back(std::move(m));
  }
  return out;
}

}  // namespace shoal
