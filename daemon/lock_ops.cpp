#include "lock_ops.hpp"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>

#include "fields.hpp"
#include "pidfd.hpp"

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

result<pid_t> owner_field(const json& body, const responder& reply) {
  auto owner = optional_integer(body, "owner");
  if (!owner) return owner.error();
  if (!*owner) return reply.from().pid;
  if (**owner <= 0 || **owner > INT_MAX)
    return status{errc::bad_request, "field 'owner' must be a process id, not " + std::to_string(**owner)};
  return static_cast<pid_t>(**owner);
}

}  // namespace

void register_lock_ops(dispatcher& d, lock_keeper& keeper) {
  d.add("lock_acquire", [&keeper](const json& body, const responder& reply) {
    auto owner = owner_field(body, reply);
    if (!owner) return reply.fail(owner.error());
    auto blocking = optional_bool(body, "blocking");
    if (!blocking) return reply.fail(blocking.error());
    auto timeout = optional_seconds(body, "timeout");
    if (!timeout) return reply.fail(timeout.error());
    // The pidfd pins the owner's identity now, so a pid reused later is never mistaken for it.
    auto fd = std::make_shared<pidfd_holder>();
    fd->fd = pidfd_open(*owner);
    if (fd->fd < 0)
      return reply.fail(errno == ESRCH ? errc::bad_request : errc::internal,
                        "cannot acquire the lock for pid " + std::to_string(*owner) + ": " +
                            (errno == ESRCH ? std::string("no such process") : std::string(std::strerror(errno))));
    lock_keeper::waiter w;
    w.session = reply.from().session;
    auto now = lock_keeper::clock::now();
    if (!blocking->value_or(true)) w.deadline = now;
    else if (*timeout)
      w.deadline = now + std::chrono::duration_cast<lock_keeper::clock::duration>(
                             std::chrono::duration<double>(**timeout));
    pid_t who = *owner;
    w.granted = [&keeper, reply, fd, who] {
      bool died = keeper.hand_to(who, fd->take());
      reply.ok(json{{"acquired", true}, {"owner", who}, {"previous_owner_died", died}});
    };
    w.expired = [&keeper, reply, who] {
      json out{{"acquired", false}, {"owner", who}, {"previous_owner_died", false}};
      out["holder"] = keeper.describe_status()["owner"];
      reply.ok(std::move(out));
    };
    keeper.enqueue(std::move(w));
  });

  d.add("lock_release", [&keeper](const json& body, const responder& reply) {
    auto owner = owner_field(body, reply);
    if (!owner) return reply.fail(owner.error());
    auto force = optional_bool(body, "force");
    if (!force) return reply.fail(force.error());
    pid_t released = 0;
    auto done = keeper.release_for(*owner, force->value_or(false), released);
    if (!done.ok()) return reply.fail(done);
    json out{{"released", true}, {"owner", nullptr}};
    if (released != 0) out["owner"] = released;
    reply.ok(std::move(out));
  });

  d.add("lock_status", [&keeper](const json&, const responder& reply) { reply.ok(keeper.describe_status()); });
}

}  // namespace shoal
