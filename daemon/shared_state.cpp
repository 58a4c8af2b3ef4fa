#include "shared_state.hpp"

#include "lock_ops.hpp"
#include "log.hpp"
#include "shared_ops.hpp"
#include "shoal/lock_record.hpp"

namespace shoal {

result<std::unique_ptr<shared_state>> shared_state::open(asio::io_context& io, const config& cfg) {
  auto names = names_for_socket(cfg.socket_path);
  auto segment = shared_segment::open(names.shm, cfg.shm_size, cfg.fresh);
  if (!segment) return segment.error();
  // A new segment gets a new semaphore: an old one's state means nothing without its record.
  auto lock = named_lock::open(names.lock, cfg.fresh || !(*segment)->adopted());
  if (!lock) return lock.error();
  auto& h = (*segment)->header();
  if ((*lock)->created()) {
    // No holder can be recorded for a semaphore that did not exist.
    pid_t stale = lock_record::owner(h);
    if (stale != 0) lock_record::clear_owner(h, stale);
  }
  if ((*segment)->adopted())
    log::info("adopted shared segment {} ({} bytes, {} entries) and lock {}", names.shm, cfg.shm_size,
              (*segment)->table().entries().size(), names.lock);
  else
    log::info("created shared segment {} ({} bytes) and lock {}", names.shm, cfg.shm_size, names.lock);
  auto state = std::unique_ptr<shared_state>(new shared_state(std::move(*segment), std::move(*lock), io));
  state->keeper_.start();
  return state;
}

status shared_state::cleanup(const config& cfg) {
  auto names = names_for_socket(cfg.socket_path);
  auto a = shared_segment::remove(names.shm);
  auto b = named_lock::remove(names.lock);
  if (!a.ok()) return a;
  return b;
}

shared_state::shared_state(std::unique_ptr<shared_segment> segment, std::unique_ptr<named_lock> lock,
                           asio::io_context& io)
    : segment_(std::move(segment)), lock_(std::move(lock)), keeper_(io, *lock_, segment_->header()) {}

void shared_state::register_ops(dispatcher& d, event_log* events) {
  register_value_ops(d, segment_->table(), keeper_, events);
  if (events)
    keeper_.on_recovered([events](pid_t dead) {
      events->publish("lock_recovered", "lock", {{"owner", dead == 0 ? json(nullptr) : json(dead)}});
    });
  register_lock_ops(d, keeper_);
  d.on_session_closed([this](std::uint64_t session) { keeper_.drop_session(session); });
}

std::vector<std::string> shared_state::child_env() const {
  return {"SHOAL_SHM=" + segment_->name(), "SHOAL_LOCK=" + lock_->name()};
}

json shared_state::describe() const {
  return json{{"shm", segment_->name()}, {"lock", lock_->name()}, {"shm_size", segment_->size()}};
}

}  // namespace shoal
