// The daemon's side of live restore (docs/restore.md): it attaches to the keeper, takes back
// what an earlier daemon left (the keeper's children and the record file) and from then on
// keeps the record file following the supervisor, so that the keeper may forget an exit only
// once the file holds it.
#include <cstdio>

#include <asio/post.hpp>

#include "daemon/daemon.hpp"
#include "daemon/log.hpp"

namespace shoal {

status daemon::attach_keeper() {
  auto keeper = keeper_link::open(io_, state_->path(), state_->logs_path());
  if (!keeper) return keeper.error();
  keeper_ = std::move(*keeper);
  host_.use_keeper(keeper_.get());
  record_file_ = std::make_unique<record_file>(state_->path());
  supervisor_->set_on_change([this](const std::string& name) {
    changed_.insert(name);
    save_later();
  });
  dispatcher_.set_before_answer([this] {
    if (save_pending_) save_now();
  });
  return {};
}

void daemon::restore_records() {
  auto held = keeper_->take_entries();
  auto saved = read_record_file(state_->path());
  saved_table table;
  if (!saved) {
    std::string bad = state_->path() + "/" + record_file_name;
    log::error("{}; set aside as '{}.bad', starting without the records it held",
               saved.error().message(), bad);
    ::rename(bad.c_str(), (bad + ".bad").c_str());
  } else if (*saved && (*saved)->boot_id != current_boot_id()) {
    log::info("the record file is from another boot: none of its processes can still run");
  } else if (*saved) {
    table = std::move(**saved);
  }
  if (!table.processes.empty() || !held.empty())
    // Forgotten once the whole file written below holds what restore made of them.
    supervisor_->restore(std::move(table), std::move(held), keeper_->started_here(),
                         [this](pid_t pid) { reaped_unsaved_.push_back(pid); });
  restored_ = true;
  listen_to_keeper();
  save_now(true);
}

void daemon::on_keeper_exit(pid_t pid, int wait_status) {
  if (!supervisor_->on_reaped(pid, wait_status)) {
    log::debug("reaped orphaned descendant (pid {})", pid);
    if (keeper_) keeper_->forget(pid);
    return;
  }
  reaped_unsaved_.push_back(pid);
  save_later();
}

void daemon::save_later() {
  if (save_pending_ || !restored_) return;
  save_pending_ = true;
  asio::post(io_, [this] {
    if (!save_pending_) return;
    save_now();
  });
}

void daemon::save_now(bool whole) {
  save_pending_ = false;
  status st;
  // Names changed since the last save that no record has any more: removed or pruned.
  std::vector<std::string> removed;
  for (const auto& name : changed_)
    if (!supervisor_->find(name)) removed.push_back(name);
  if (whole || !record_file_->is_open() ||
      record_file_->appended() > 2 * supervisor_->record_count() + 64) {
    saved_table table = supervisor_->snapshot();
    table.boot_id = current_boot_id();
    st = record_file_->rewrite(table);
  } else {
    std::vector<saved_process> now;
    for (const auto& name : changed_)
      if (auto p = supervisor_->snapshot_of(name)) now.push_back(std::move(*p));
    st = record_file_->append(now, removed, supervisor_->next_default());
  }
  changed_.clear();
  if (!st) {
    // Logged at each failure: each one may cost a restart its records.
    log::error("{}; a restarted daemon would not know the latest state of its processes",
               st.message());
    return;
  }
  if (keeper_)
    for (pid_t pid : reaped_unsaved_) keeper_->forget(pid);
  reaped_unsaved_.clear();
  // A record the file no longer holds must not outlive it in the keeper: a daemon restarted
  // on an exit the keeper still holds, under a name no record has, would take it for a start
  // the file missed and bring the removed process back. So the exits waiting for the keeper's
  // next message go now.
  if (!removed.empty() && keeper_) keeper_->flush_forgets();
}

}  // namespace shoal
