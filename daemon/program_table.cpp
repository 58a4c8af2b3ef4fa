#include "daemon/program_table.hpp"

#include <algorithm>
#include <set>

#include "daemon/log.hpp"
#include "daemon/process_ops.hpp"

namespace shoal {

program_table::program_table(timer_service& timers, supervisor& s, std::string path, bool as_root)
    : timers_(timers), supervisor_(s), path_(std::move(path)), as_root_(as_root) {
  supervisor_.subscribe([this](const supervisor_event& e) {
    if (e.what != supervisor_event::kind::finished) return;
    auto [first, last] = after_stop_.equal_range(e.record.name);
    // Posted: the supervisor tells of a finish from inside its own transitions.
    for (auto it = first; it != last; ++it) timers_.post(std::move(it->second));
    after_stop_.erase(first, last);
  });
}

result<json> program_table::reload() {
  auto next = load_programs_file(path_, as_root_);
  if (!next) return next.error();
  json result = apply(std::move(*next));
  result["file"] = path_;
  return result;
}

void program_table::start_instance(const program_spec& p, const std::string& instance,
                                   json& failed) {
  auto started = supervisor_.start(instance, p.instance_spec());
  if (!started) {
    const status why = start_refusal(started.error());
    log::warning("program '{}': unable to start '{}': {}", p.name, instance, why.message());
    failed.push_back({{"name", instance}, {"error", why.message()}});
  }
}

void program_table::restart_if_wanted(const std::string& program, const std::string& instance) {
  auto it = current_.find(program);
  if (it == current_.end() || !it->second.autostart) return;
  auto names = it->second.instance_names();
  if (std::find(names.begin(), names.end(), instance) == names.end()) return;
  if (const process_record* r = supervisor_.find(instance); r && !r->done()) return;
  json ignored = json::array();
  start_instance(it->second, instance, ignored);
}

void program_table::stop_then(const std::string& instance, std::function<void()> then) {
  supervisor_.undeclare(instance);
  const process_record* r = supervisor_.find(instance);
  if (!r || r->done()) {
    if (then) then();
    return;
  }
  if (then) after_stop_.emplace(instance, std::move(then));
  supervisor_.stop(instance, std::nullopt);
}

json program_table::apply(std::vector<program_spec> next) {
  json added = json::array(), removed = json::array(), changed = json::array(),
       unchanged = json::array(), failed = json::array();
  std::map<std::string, program_spec> previous = std::move(current_);
  current_.clear();
  for (auto& p : next) current_.emplace(p.name, std::move(p));

  for (const auto& [name, old] : previous) {
    if (current_.count(name)) continue;
    removed.push_back(name);
    log::info("program '{}' removed: stopping its processes", name);
    for (const auto& inst : old.instance_names()) stop_then(inst, nullptr);
  }
  for (const auto& [name, p] : current_) {
    auto old = previous.find(name);
    if (old != previous.end() && old->second == p) {
      unchanged.push_back(name);
      continue;
    }
    auto instances = p.instance_names();
    for (const auto& inst : instances) supervisor_.declare(inst, p.instance_spec());
    if (old == previous.end()) {
      added.push_back(name);
      log::info("program '{}' added", name);
      if (p.autostart)
        for (const auto& inst : instances) {
          // Taken back from an earlier daemon (docs/restore.md): adopted, never run twice.
          if (const process_record* r = supervisor_.find(inst); r && r->restored) continue;
          start_instance(p, inst, failed);
        }
      continue;
    }
    changed.push_back(name);
    log::info("program '{}' changed: restarting its processes", name);
    std::set<std::string> fresh(instances.begin(), instances.end());
    for (const auto& inst : old->second.instance_names()) {
      bool kept = fresh.erase(inst) > 0;
      if (!kept) {
        stop_then(inst, nullptr);
        continue;
      }
      const process_record* r = supervisor_.find(inst);
      if (!r || r->done()) {
        if (p.autostart) start_instance(p, inst, failed);
        continue;
      }
      after_stop_.emplace(inst, [this, name = name, inst] { restart_if_wanted(name, inst); });
      supervisor_.stop(inst, std::nullopt);
    }
    if (p.autostart)
      for (const auto& inst : fresh) start_instance(p, inst, failed);
  }
  return {{"added", std::move(added)},
          {"removed", std::move(removed)},
          {"changed", std::move(changed)},
          {"unchanged", std::move(unchanged)},
          {"failed", std::move(failed)}};
}

}  // namespace shoal
