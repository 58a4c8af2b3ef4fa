#include "daemon/lock_table.hpp"

#include <cstddef>
#include <cstring>

#include "daemon/log.hpp"
#include "shoal/lock_names.hpp"
#include "shoal/lock_record.hpp"

namespace shoal {
namespace {

std::string name_of(const layout::entry& e) {
  return {e.name, strnlen(e.name, layout::name_capacity)};
}

std::string describe(const std::string& name) { return "lock '" + name + "'"; }

}  // namespace

lock_table::lock_table(asio::io_context& io, segment_table& table, named_lock& own,
                       lock_keeper& own_keeper)
    : io_(io), table_(table), own_(own), own_keeper_(own_keeper) {}

status lock_table::open_entry(const layout::entry& e, bool fresh,
                              std::optional<lock_keeper::exit_release> resume) {
  std::string name = name_of(e);
  auto sem = named_lock::open(named_lock_semaphore(own_.name(), name), fresh);
  if (!sem) return sem.error();
  layout::lock_state& state = table_.lock_state_of(e);
  if ((*sem)->created()) {
    // No holder can be recorded for a semaphore that did not exist.
    pid_t stale = lock_record::owner(state);
    if (stale != 0) lock_record::clear_owner(state, stale);
  }
  named_entry n;
  n.sem = std::move(*sem);
  n.keeper = std::make_unique<lock_keeper>(io_, *n.sem, state, describe(name));
  n.keeper->on_recovered([this, name](pid_t dead) {
    if (on_recovered_) on_recovered_(name, dead);
  });
  n.keeper->on_exit_release_changed([this] {
    if (on_exit_release_changed_) on_exit_release_changed_();
  });
  if (resume) n.keeper->resume_exit_release(*resume);
  n.record = e.offset;
  n.keeper->start();
  named_.insert_or_assign(name, std::move(n));
  return {};
}

status lock_table::adopt(const exit_release_holds& resume) {
  for (const layout::entry* e : table_.entries()) {
    if (e->kind != layout::kind_lock) continue;
    auto saved = resume.find(name_of(*e));
    std::optional<lock_keeper::exit_release> hold;
    if (saved != resume.end()) hold = saved->second;
    if (auto opened = open_entry(*e, false, hold); !opened.ok())
      return {opened.code(), "unable to adopt " + describe(name_of(*e)) + ": " + opened.message()};
  }
  return {};
}

exit_release_holds lock_table::exit_releases() const {
  exit_release_holds out;
  if (auto own = own_keeper_.exit_release_hold()) out[std::string(default_lock_name)] = *own;
  for (const auto& [name, n] : named_)
    if (auto hold = n.keeper->exit_release_hold()) out[name] = *hold;
  return out;
}

void lock_table::on_exit_release_changed(std::function<void()> fn) {
  on_exit_release_changed_ = std::move(fn);
  own_keeper_.on_exit_release_changed([this] {
    if (on_exit_release_changed_) on_exit_release_changed_();
  });
}

lock_table::handle lock_table::handle_of(const std::string& name, named_entry& n) {
  return handle{name, n.keeper.get(), n.sem->name(), n.record};
}

result<lock_table::handle> lock_table::find(const std::string& name) {
  if (name == default_lock_name)
    return handle{std::string(default_lock_name), &own_keeper_, own_.name(),
                  offsetof(layout::header, lock)};
  auto it = named_.find(name);
  if (it == named_.end()) {
    const layout::entry* e = table_.find(name);
    if (e)
      return status{errc::invalid_state, "'" + name + "' is a shared " +
                                             (e->kind == layout::kind_value ? "value" : "array") +
                                             ", not a lock"};
    return status{errc::not_found, "no lock named '" + name + "'"};
  }
  return handle_of(name, it->second);
}

result<lock_table::handle> lock_table::create(const std::string& name, bool exist_ok,
                                              bool& created) {
  created = false;
  auto existing = find(name);
  if (existing) {
    if (exist_ok) return existing;
    return status{errc::already_exists, name == default_lock_name
                                            ? "'lock' is the daemon's own lock; choose another name"
                                            : describe(name) + " already exists"};
  }
  if (existing.error().code() != errc::not_found)
    return status{errc::already_exists,
                  "cannot create " + describe(name) + ": " + existing.error().message()};
  auto entry = table_.create_lock(name);
  if (!entry) return entry.error();
  // A semaphore of ours left under this name (by a daemon killed mid-create) guards no record
  // anybody could trust: it is replaced by a free one. Another user's is refused.
  if (auto opened = open_entry(**entry, true); !opened.ok()) {
    table_.remove(*entry);
    return status{opened.code(),
                  "cannot create " + describe(name) + ": " + opened.message() +
                      (opened.code() == errc::permission_denied ? "; choose another name" : "")};
  }
  created = true;
  auto made = handle_of(name, named_.at(name));
  log::info("{} created (semaphore {})", describe(name), made.semaphore);
  return made;
}

status lock_table::remove(const std::string& name) {
  if (name == default_lock_name)
    return {errc::invalid_state, "the daemon's own lock cannot be deleted"};
  auto h = find(name);
  if (!h) return h.error();
  auto it = named_.find(name);
  lock_keeper& keeper = *it->second.keeper;
  if (keeper.held()) {
    auto owner = keeper.describe_status()["owner"];
    return {errc::invalid_state,
            "cannot delete " + describe(name) + ": it is held" +
                (owner.is_number() ? " by pid " + std::to_string(owner.get<long long>()) : "") +
                "; release it first"};
  }
  if (keeper.waiting() > 0)
    return {errc::invalid_state, "cannot delete " + describe(name) + ": " +
                                     std::to_string(keeper.waiting()) +
                                     " requests are waiting for it"};
  std::string sem_name = it->second.sem->name();
  const layout::entry* e = table_.find(name);
  named_.erase(it);  // the keeper goes before the record it points into
  if (e) table_.remove(e);
  if (auto removed = named_lock::remove(sem_name); !removed.ok())
    log::warning("{} deleted, but its semaphore stays: {}", describe(name), removed.message());
  else
    log::info("{} deleted", describe(name));
  return {};
}

std::vector<lock_table::handle> lock_table::named() {
  std::vector<handle> out;
  for (auto& [name, n] : named_) out.push_back(handle_of(name, n));
  return out;
}

void lock_table::drop_session(std::uint64_t session) {
  own_keeper_.drop_session(session);
  for (auto& [name, n] : named_) n.keeper->drop_session(session);
}

void lock_table::on_recovered(std::function<void(const std::string&, pid_t)> fn) {
  on_recovered_ = fn;
  own_keeper_.on_recovered([fn](pid_t dead) { fn(std::string(default_lock_name), dead); });
}

}  // namespace shoal
