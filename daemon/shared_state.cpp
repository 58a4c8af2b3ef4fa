#include "daemon/shared_state.hpp"

#include <unistd.h>

#include "daemon/lock_ops.hpp"
#include "daemon/log.hpp"
#include "daemon/shared_names.hpp"
#include "daemon/value_ops.hpp"
#include "shoal/lock_names.hpp"
#include "shoal/lock_record.hpp"

namespace shoal {
namespace {

struct object_pair {
  std::unique_ptr<shared_segment> segment;
  std::unique_ptr<named_lock> lock;
};

// permission_denied is how shared_segment and named_lock refuse an object of another user.
bool held_by_someone_else(const status& s) { return s.code() == errc::permission_denied; }

// Refuses (permission_denied) when another user holds either name, whatever it put there: a
// file, a symlink, a directory. lstat, not open, so nothing of theirs is even opened.
status check_names_are_ours(const instance_names& names) {
  const uid_t self = ::geteuid();
  for (const auto& [path, what] :
       {std::pair{segment_file(names.shm), "shared segment '" + names.shm + "'"},
        std::pair{semaphore_file(names.lock), "lock semaphore '" + names.lock + "'"}}) {
    auto owner = file_owner(path);
    if (!owner) return owner.error();
    if (*owner && **owner != self)
      return {errc::permission_denied, what + " (" + path + ") belongs to uid " +
                                           std::to_string(**owner) + ", not to uid " +
                                           std::to_string(self) + " that runs this daemon"};
  }
  return {};
}

// Removes the file at `path` with `remover` when it is ours; another user's stays where it is,
// unopened, with a warning. Ok when there is none.
template <class Remover>
status remove_if_ours(const std::string& path, const std::string& what, Remover remover) {
  auto owner = file_owner(path);
  if (!owner) return owner.error();
  if (*owner && **owner != ::geteuid()) {
    log::warning("{} ({}) belongs to uid {}, not to uid {}: left alone", what, path, **owner,
                 ::geteuid());
    return {};
  }
  return *owner ? remover() : status{};
}

// The semaphores of the named locks that the segment under `names` records: they go with it.
status remove_named_locks(const instance_names& names) {
  status first_failure;
  for (const auto& lock_name : shared_segment::lock_names(names.shm)) {
    auto semaphore = named_lock_semaphore(names.lock, lock_name);
    auto removed =
        remove_if_ours(semaphore_file(semaphore), "semaphore of lock '" + lock_name + "'",
                       [&] { return named_lock::remove(semaphore); });
    if (!removed && first_failure) first_failure = removed;
  }
  return first_failure;
}

// Creates or adopts both objects under `names`. Nothing this call created outlives a failure.
result<object_pair> open_pair(const instance_names& names, std::size_t size, bool fresh) {
  if (auto ours = check_names_are_ours(names); !ours) return ours;
  if (fresh) {
    if (auto removed = remove_named_locks(names); !removed) return removed;
  }
  auto segment = shared_segment::open(names.shm, size, fresh);
  if (!segment) return segment.error();
  // A new segment gets a new semaphore: an old one's state means nothing without its record.
  const bool adopted = (*segment)->adopted();
  auto lock = named_lock::open(names.lock, fresh || !adopted);
  if (!lock) {
    if (!adopted) shared_segment::remove(names.shm);
    return lock.error();
  }
  return object_pair{std::move(*segment), std::move(*lock)};
}

// Both objects under a new random base name, `carry`'s values copied in, the name recorded
// last: a crash before that leaves the earlier record, and its values, as they were.
result<object_pair> create_pair(state_directory& dir, std::size_t size,
                                const shared_segment* carry) {
  auto base = random_base_name();
  if (!base) return base.error();
  auto names = names_for_base(*base);
  auto segment = shared_segment::create(names.shm, size);
  if (!segment) return segment.error();
  if (carry) (*segment)->copy_from(*carry);
  auto lock = named_lock::open(names.lock, true);
  if (!lock) {
    shared_segment::remove(names.shm);
    return lock.error();
  }
  if (auto recorded = dir.record_shared_name(*base); !recorded) {
    named_lock::remove(names.lock);
    shared_segment::remove(names.shm);
    return recorded;
  }
  return object_pair{std::move(*segment), std::move(*lock)};
}

// Removes what is ours under `names`; another user's object stays where it is, unopened.
status remove_ours(const instance_names& names) {
  status first_failure;
  auto note = [&](status removed) {
    if (!removed && first_failure) first_failure = std::move(removed);
  };
  note(remove_named_locks(names));  // first: their names are read from the segment
  note(remove_if_ours(segment_file(names.shm), "shared segment '" + names.shm + "'",
                      [&] { return shared_segment::remove(names.shm); }));
  note(remove_if_ours(semaphore_file(names.lock), "lock semaphore '" + names.lock + "'",
                      [&] { return named_lock::remove(names.lock); }));
  return first_failure;
}

}  // namespace

result<std::unique_ptr<shared_state>> shared_state::open(asio::io_context& io, const config& cfg,
                                                         state_directory& dir) {
  auto recorded = dir.shared_name();
  if (!recorded) return recorded.error();
  result<object_pair> pair = status{errc::not_found, "no shared name recorded yet"};
  bool carried = false;  // a new segment that took over an old one's values
  if (!recorded->empty()) {
    pair = open_pair(names_for_base(*recorded), cfg.shm_size, cfg.fresh);
    if (!pair && !held_by_someone_else(pair.error())) return pair.error();
  }
  if (!pair) {
    std::unique_ptr<shared_segment> carry;
    if (!recorded->empty()) {
      // Someone who learnt the name (children see it) took it while it was free, say after
      // a reboot emptied /dev/shm. Their object is never used, removed or even opened.
      const auto old = names_for_base(*recorded);
      auto owner = file_owner(segment_file(old.shm));
      if (!cfg.fresh && owner && *owner == ::geteuid()) {
        auto adopted = shared_segment::open(old.shm, cfg.shm_size, false);
        if (!adopted) return adopted.error();
        carry = std::move(*adopted);
      }
    }
    pair = create_pair(dir, cfg.shm_size, carry.get());
    if (!pair) return pair.error();
    if (!recorded->empty()) {
      carried = carry != nullptr;
      carry.reset();
      if (auto removed = remove_ours(names_for_base(*recorded)); !removed)
        log::warning("{}", removed.message());
      log::warning("moved to shared segment {} and lock {}, as another user holds the name {}{}",
                   pair->segment->name(), pair->lock->name(), *recorded,
                   carried ? "; values carried over" : "");
    }
  }
  auto& [segment, lock] = *pair;
  auto& h = segment->header();
  if (lock->created()) {
    // No holder can be recorded for a semaphore that did not exist.
    pid_t stale = lock_record::owner(h.lock);
    if (stale != 0) lock_record::clear_owner(h.lock, stale);
  }
  const bool holds_values = segment->adopted() || carried;
  if (holds_values)
    log::info("adopted shared segment {} ({} bytes, {} entries) and lock {}", segment->name(),
              cfg.shm_size, segment->table().entries().size(), lock->name());
  else
    log::info("created shared segment {} ({} bytes) and lock {}", segment->name(), cfg.shm_size,
              lock->name());
  auto state =
      std::unique_ptr<shared_state>(new shared_state(std::move(segment), std::move(lock), io));
  state->holds_values_ = holds_values;
  state->state_path_ = dir.path();
  exit_release_holds resume;
  if (holds_values) {
    auto saved = read_lock_exit_file(dir.path());
    if (saved)
      resume = std::move(*saved);
    else
      log::warning("{}; locks held by `lock run` programs are released as if their holder died",
                   saved.error().message());
  }
  if (auto own = resume.find(std::string(default_lock_name)); own != resume.end())
    state->keeper_.resume_exit_release(own->second);
  if (auto adopted = state->locks_.adopt(resume); !adopted) return adopted;
  state->locks_.on_exit_release_changed([s = state.get()] { s->save_exit_releases(); });
  state->keeper_.start();
  return state;
}

void shared_state::save_exit_releases() {
  if (auto st = write_lock_exit_file(state_path_, locks_.exit_releases()); !st)
    log::error("{}; a restarted daemon would take a `lock run` program's end for a death",
               st.message());
}

status shared_state::cleanup(state_directory& dir) {
  auto recorded = dir.shared_name();
  if (!recorded) return recorded.error();
  if (recorded->empty()) return {};
  if (auto removed = remove_ours(names_for_base(*recorded)); !removed) return removed;
  return dir.forget_shared_name();
}

void shared_state::discard_if_created() {
  if (holds_values_) return;
  shared_segment::remove(segment_->name());
  named_lock::remove(lock_->name());
}

shared_state::shared_state(std::unique_ptr<shared_segment> segment,
                           std::unique_ptr<named_lock> lock, asio::io_context& io)
    : segment_(std::move(segment)),
      lock_(std::move(lock)),
      keeper_(io, *lock_, segment_->header().lock),
      locks_(io, segment_->table(), *lock_, keeper_) {}

void shared_state::register_ops(dispatcher& d, event_log* events) {
  register_value_ops(d, segment_->table(), locks_, events);
  if (events)
    locks_.on_recovered([events](const std::string& name, pid_t dead) {
      events->publish("lock_recovered", name, {{"owner", dead == 0 ? json(nullptr) : json(dead)}});
    });
  register_lock_ops(d, locks_);
  d.on_session_closed([this](std::uint64_t session) { locks_.drop_session(session); });
}

std::vector<std::string> shared_state::child_env() const {
  return {"SHOAL_SHM=" + segment_->name(), "SHOAL_LOCK=" + lock_->name()};
}

json shared_state::describe() const {
  return json{{"shm", segment_->name()}, {"lock", lock_->name()}, {"shm_size", segment_->size()}};
}

}  // namespace shoal
