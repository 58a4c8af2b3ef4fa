#include "client/process_targets.hpp"

#include <algorithm>

#include "common/target_pattern.hpp"

namespace shoal::cli {

std::optional<std::string> check_targets(const std::vector<std::string>& targets) {
  for (const auto& t : targets)
    if (!is_valid_target(t))
      return "'" + t + "' is not a valid TARGET: give " + std::string(target_rule) +
             " (quote a glob, or the shell expands it)";
  return std::nullopt;
}

expansion expand(connection& conn, const std::vector<std::string>& targets, bool declared) {
  // Only names and states are needed: no /proc read per process.
  json request = {{"op", "status"}, {"names", targets}, {"usage", false}};
  if (declared) request["declared"] = true;
  expansion e;
  e.failure = classify(conn.call(std::move(request)));
  if (e.failure.what != outcome::kind::ok) return e;
  for (const auto& record : e.failure.result.value("processes", json::array()))
    if (record.is_object() && record.contains("name") && record["name"].is_string())
      e.names.push_back(record["name"].get<std::string>());
  for (const auto& name : e.failure.result.value("declared", json::array()))
    if (name.is_string()) e.declared.push_back(name.get<std::string>());
  return e;
}

reached_targets reach_targets(invocation& inv, const std::vector<std::string>& targets) {
  reached_targets out;
  auto conn = connect_or_print(inv);
  if (!conn) {
    out.exit = exit_unreachable;
    return out;
  }
  auto found = expand(*conn, targets);
  if (found.failure.what != outcome::kind::ok) {
    report_failure(inv, found.failure);
    out.exit = exit_code(found.failure);
    return out;
  }
  out.conn = std::move(*conn);
  out.names = std::move(found.names);
  return out;
}

std::vector<outcome> call_each(connection& conn, const json& request,
                               const std::vector<std::string>& names) {
  std::vector<json> requests;
  requests.reserve(names.size());
  for (const auto& name : names) {
    json r = request;
    r["name"] = name;
    requests.push_back(std::move(r));
  }
  return call_all(conn, std::move(requests));
}

void print_errors(invocation& inv, const std::vector<outcome>& outcomes) {
  std::string last_failure;
  for (const auto& o : outcomes) {
    if (o.what == outcome::kind::failed) {
      if (o.message == last_failure) continue;
      last_failure = o.message;
    }
    print_error(inv.err, o);
  }
}

void print_json_outcomes(invocation& inv, const std::vector<std::string>& names,
                         const std::vector<outcome>& outcomes) {
  if (outcomes.size() == 1) {
    const outcome& o = outcomes[0];
    print_json(inv.out, o.what == outcome::kind::ok ? o.result : error_json(o));
    return;
  }
  json all = json::array();
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const outcome& o = outcomes[i];
    if (o.what == outcome::kind::ok) {
      all.push_back(o.result);
      continue;
    }
    json failed = error_json(o);
    failed["name"] = names[i];
    all.push_back(std::move(failed));
  }
  print_json(inv.out, all);
}

int worst_exit_code(const std::vector<outcome>& outcomes) {
  int worst = exit_ok;
  for (const auto& o : outcomes) worst = std::max(worst, exit_code(o));
  return worst;
}

}  // namespace shoal::cli
