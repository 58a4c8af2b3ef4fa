#include "daemon/lock_ops.hpp"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>

#include "daemon/fields.hpp"
#include "daemon/pidfd.hpp"
#include "shoal/lock_names.hpp"

namespace shoal {
namespace {

// A pidfd shared by the copies of a waiter's callbacks; closed unless handed over.
struct pidfd_holder {
  int fd = -1;
  int take() { return std::exchange(fd, -1); }
  ~pidfd_holder() {
    if (fd >= 0) ::close(fd);
  }
};

// The lock a request names in `name` (default: the daemon's own). An acquire creates a named
// lock that does not exist yet, as flock(1) creates its file.
result<lock_table::handle> lock_field(lock_table& locks, const json& body, bool create) {
  auto name = optional_name(body, "name");
  if (!name) return name.error();
  std::string which = name->value_or(std::string(default_lock_name));
  if (!create) return locks.find(which);
  bool created = false;
  return locks.create(which, true, created);
}

json describe_lock(const lock_table::handle& h) {
  json out = h.keeper->describe_status();
  out["name"] = h.name;
  out["semaphore"] = h.semaphore;
  return out;
}

void acquire(lock_table& locks, const json& body, const responder& reply) {
  auto owner = owner_field(body, reply.from().pid);
  if (!owner) return reply.fail(owner.error());
  auto blocking = optional_bool(body, "blocking");
  if (!blocking) return reply.fail(blocking.error());
  auto timeout = optional_seconds(body, "timeout");
  if (!timeout) return reply.fail(timeout.error());
  auto release_on_exit = optional_bool(body, "release_on_exit");
  if (!release_on_exit) return reply.fail(release_on_exit.error());
  auto lock = lock_field(locks, body, true);
  if (!lock) return reply.fail(lock.error());
  lock_keeper& keeper = *lock->keeper;
  // The pidfd pins the owner's identity now, so a pid reused later is never mistaken for it.
  auto fd = std::make_shared<pidfd_holder>();
  fd->fd = pidfd_open(*owner);
  if (fd->fd < 0)
    return reply.fail(
        errno == ESRCH ? errc::bad_request : errc::internal,
        "cannot acquire the lock for pid " + std::to_string(*owner) + ": " +
            (errno == ESRCH ? std::string("no such process") : std::string(std::strerror(errno))));
  lock_keeper::waiter w;
  w.session = reply.from().session;
  auto now = lock_keeper::clock::now();
  if (!blocking->value_or(true))
    w.deadline = now;
  else if (*timeout)
    w.deadline = now + std::chrono::duration_cast<lock_keeper::clock::duration>(
                           std::chrono::duration<double>(**timeout));
  pid_t who = *owner;
  w.granted = [&keeper, reply, fd, who, on_exit = release_on_exit->value_or(false)] {
    bool died = keeper.hand_to(who, fd->take(), on_exit);
    reply.ok(json{{"acquired", true}, {"owner", who}, {"previous_owner_died", died}});
  };
  w.expired = [&keeper, reply, who] {
    json out{{"acquired", false}, {"owner", who}, {"previous_owner_died", false}};
    out["holder"] = keeper.describe_status()["owner"];
    reply.ok(std::move(out));
  };
  keeper.enqueue(std::move(w));
}

void release(lock_table& locks, const json& body, const responder& reply) {
  auto owner = owner_field(body, reply.from().pid);
  if (!owner) return reply.fail(owner.error());
  auto force = optional_bool(body, "force");
  if (!force) return reply.fail(force.error());
  auto lock = lock_field(locks, body, false);
  if (!lock) return reply.fail(lock.error());
  pid_t released = 0;
  auto done = lock->keeper->release_for(*owner, force->value_or(false), released);
  if (!done.ok()) return reply.fail(done);
  json out{{"released", true}, {"owner", nullptr}};
  if (released != 0) out["owner"] = released;
  reply.ok(std::move(out));
}

void status_of(lock_table& locks, const json& body, const responder& reply) {
  auto lock = lock_field(locks, body, false);
  if (!lock) return reply.fail(lock.error());
  reply.ok(lock->keeper->describe_status());
}

void create(lock_table& locks, const json& body, const responder& reply) {
  auto name = required_name(body, "name");
  if (!name) return reply.fail(name.error());
  auto exist_ok = optional_bool(body, "exist_ok");
  if (!exist_ok) return reply.fail(exist_ok.error());
  bool created = false;
  auto lock = locks.create(*name, exist_ok->value_or(false), created);
  if (!lock) return reply.fail(lock.error());
  reply.ok(json{{"name", lock->name},
                {"semaphore", lock->semaphore},
                {"record", lock->record},
                {"created", created}});
}

void remove(lock_table& locks, const json& body, const responder& reply) {
  auto name = required_name(body, "name");
  if (!name) return reply.fail(name.error());
  auto done = locks.remove(*name);
  if (!done.ok()) return reply.fail(done);
  reply.ok(json{{"deleted", *name}});
}

void list(lock_table& locks, const json&, const responder& reply) {
  json out = json::array();
  for (const auto& h : locks.named()) out.push_back(describe_lock(h));
  reply.ok(json{{"locks", std::move(out)}});
}

}  // namespace

void register_lock_ops(dispatcher& d, lock_table& locks) {
  auto bind = [&locks](void (*fn)(lock_table&, const json&, const responder&)) {
    return [&locks, fn](const json& body, const responder& reply) { fn(locks, body, reply); };
  };
  d.add("lock_acquire", bind(acquire));
  d.add("lock_release", bind(release));
  d.add("lock_status", bind(status_of));
  d.add("lock_create", bind(create));
  d.add("lock_delete", bind(remove));
  d.add("lock_list", bind(list));
}

}  // namespace shoal
