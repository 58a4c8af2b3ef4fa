#include "daemon/watch_ops.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/target_pattern.hpp"
#include "daemon/fields.hpp"

namespace shoal {
namespace {

// Which watch subscriptions each session holds, so they end when the client goes.
struct watch_registry {
  event_log& events;
  std::map<std::uint64_t, std::vector<std::uint64_t>> by_session;
};

// Whether `event` concerns one of the targets (common/target_pattern.hpp): its process or its
// program by name, a glob over process names, or `all`. No targets: every event.
bool wanted(const std::vector<std::string>& targets, const json& event) {
  if (targets.empty()) return true;
  auto name = event.find("name");
  auto program = event.find("program");
  for (const auto& t : targets) {
    if (t == all_target) return true;
    if (name != event.end() && name->is_string()) {
      const auto& n = name->get_ref<const std::string&>();
      if (n == t || (is_glob(t) && glob_matches(t, n))) return true;
    }
    if (program != event.end() && program->is_string() &&
        program->get_ref<const std::string&>() == t)
      return true;
  }
  return false;
}

void handle_watch(watch_registry& w, const json& body, const responder& reply) {
  auto names = optional_string_array(body, "names");
  if (!names) return reply.fail(names.error());
  auto since = optional_integer(body, "since");
  if (!since) return reply.fail(since.error());
  if (*since && **since < 0)
    return reply.fail(errc::out_of_range, "field 'since' must not be negative");
  for (const auto& t : *names)
    if (!is_valid_target(t))
      return reply.fail(errc::bad_request,
                        "'" + t + "' is not a valid target: give " + std::string(target_rule));
  auto epoch = optional_string(body, "epoch");
  if (!epoch) return reply.fail(epoch.error());
  std::vector<std::string> filter = *names;

  // A seq of another numbering (a watcher back after a restart) says nothing of this one:
  // every event this daemon still holds is after it.
  bool renumbered = *since && *epoch && **epoch != w.events.epoch();
  event_log::replay replay;
  if (*since) replay = w.events.since(renumbered ? 0 : static_cast<std::uint64_t>(**since));
  std::size_t replayed = 0;
  for (const auto& e : replay.events) replayed += wanted(filter, e);
  reply.ok({{"seq", w.events.last_seq()},
            {"replayed", replayed},
            {"lost", replay.lost},
            {"epoch", w.events.epoch()}});
  for (const auto& e : replay.events)
    if (wanted(filter, e)) reply.stream(e);
  auto id = w.events.subscribe([reply, filter = std::move(filter)](const json& event) {
    if (wanted(filter, event)) reply.stream(event);
  });
  w.by_session[reply.from().session].push_back(id);
}

}  // namespace

void register_watch_ops(dispatcher& d, event_log& events) {
  auto w = std::make_shared<watch_registry>(watch_registry{events, {}});
  d.add("watch", [w](const json& body, const responder& reply) { handle_watch(*w, body, reply); });
  d.on_session_closed([w](std::uint64_t session) {
    auto it = w->by_session.find(session);
    if (it == w->by_session.end()) return;
    for (auto id : it->second) w->events.unsubscribe(id);
    w->by_session.erase(it);
  });
}

}  // namespace shoal
