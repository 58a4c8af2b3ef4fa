#include "daemon/program_table.hpp"

#include <algorithm>
#include <set>

#include <asio/post.hpp>

#include "daemon/log.hpp"

namespace shoal {

program_table::program_table(asio::io_context& io, supervisor& s, std::string path, bool as_root)
    : io_(io), supervisor_(s), path_(std::move(path)), as_root_(as_root) {}

result<json> program_table::reload() {
  auto next = load_programs_file(path_, as_root_);
  if (!next) return next.error();
  json result = apply(std::move(*next));
  result["file"] = path_;
  return result;
}

start_params program_table::params_for(const program_spec& p, const std::string& instance) const {
  start_params params;
  params.name = instance;
  params.argv = p.argv;
  params.cwd = p.cwd;
  params.env = p.env;
  params.restart = p.restart;
  if (p.credentials.changes_anything()) params.exec_argv = p.spawn_argv();
  params.uid = p.credentials.uid;
  params.gid = p.credentials.gid;
  // A program that runs as another user finds that user's HOME, USER, LOGNAME and SHELL, as
  // after a login; its own `env` still wins.
  if (p.credentials.uid)
    if (auto who = find_account(*p.credentials.uid))
      params.env = with_account_environment(std::move(params.env), *who);
  params.program = p.name;
  params.stop_signal = p.stop_signal;
  params.stop_timeout = p.stop_timeout;
  params.log_max_bytes = p.log_max_bytes;
  params.log_backups = p.log_backups;
  return params;
}

void program_table::start_instance(const program_spec& p, const std::string& instance, json& failed) {
  auto started = supervisor_.start(params_for(p, instance));
  if (!started) {
    log::warning("program '{}': unable to start '{}': {}", p.name, instance, started.error().message());
    failed.push_back({{"name", instance}, {"error", started.error().message()}});
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

json program_table::apply(std::vector<program_spec> next) {
  json added = json::array(), removed = json::array(), changed = json::array(),
       unchanged = json::array(), failed = json::array();
  std::map<std::string, program_spec> previous = std::move(current_);
  current_.clear();
  for (auto& p : next) current_.emplace(p.name, std::move(p));

  // Stops an instance; `then` runs once it has been reaped (at once when it is done).
  auto stop_then = [this](const std::string& instance, std::function<void()> then) {
    supervisor_.undeclare(instance);
    const process_record* r = supervisor_.find(instance);
    if (!r || r->done()) {
      if (then) then();
      return;
    }
    // Posted: the supervisor answers waiters from inside its own transitions.
    responder waiter(nullptr, peer{}, [this, then](const json&) {
      if (then) asio::post(io_, then);
    });
    supervisor_.stop(instance, std::nullopt, waiter);
  };

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
    for (const auto& inst : instances) supervisor_.declare(inst, params_for(p, inst));
    if (old == previous.end()) {
      added.push_back(name);
      log::info("program '{}' added", name);
      if (p.autostart)
        for (const auto& inst : instances) start_instance(p, inst, failed);
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
      responder waiter(nullptr, peer{}, [this, name = name, inst](const json&) {
        asio::post(io_, [this, name, inst] { restart_if_wanted(name, inst); });
      });
      supervisor_.stop(inst, std::nullopt, waiter);
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
