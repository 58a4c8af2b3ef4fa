// The daemon's locks by name: its own ("lock", the semaphore every child finds in SHOAL_LOCK)
// and the named locks created on request (docs/protocol.md, "The lock"). A named lock is a
// POSIX named semaphore named after the daemon's own (common/shoal/lock_names.hpp), a holder
// record in a kind_lock entry of the segment, and a lock_keeper of its own, so it is queued,
// watched and recovered exactly like the first. A named lock's entry and semaphore live and
// die together: created on request, adopted with the segment, removed by delete, --fresh and
// --cleanup.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>  // after a standard header, see lock_keeper.hpp

#include "common/status.hpp"
#include "daemon/lock_exit_file.hpp"
#include "daemon/lock_keeper.hpp"
#include "daemon/named_lock.hpp"
#include "daemon/segment_table.hpp"

namespace shoal {

class lock_table {
 public:
  struct handle {
    std::string name;  // "lock" for the daemon's own
    lock_keeper* keeper;
    std::string semaphore;  // e.g. "/shoal-1000-<hash>-lock.jobs"
    std::uint64_t record;   // offset of its layout::lock_state from the start of the segment
  };

  // `own` and `own_keeper` are the daemon's own lock; the table keeps references to all three.
  lock_table(asio::io_context& io, segment_table& table, named_lock& own, lock_keeper& own_keeper);
  lock_table(const lock_table&) = delete;
  lock_table& operator=(const lock_table&) = delete;

  // Opens the semaphore of every named lock an adopted segment records (a missing one is
  // created free). Start-up only; the message says which lock could not be opened.
  // `resume`: the holds an earlier daemon saved as released by their owner's exit, by name.
  status adopt(const exit_release_holds& resume = {});

  result<handle> find(const std::string& name);
  // A new named lock, free. With `exist_ok`, an existing lock of that name (the daemon's own for
  // "lock") is answered instead of already_exists; `created` tells which happened.
  result<handle> create(const std::string& name, bool exist_ok, bool& created);
  // Refused while the lock is held or has waiters, and for the daemon's own.
  status remove(const std::string& name);
  std::vector<handle> named();  // sorted by name
  void drop_session(std::uint64_t session);
  // Told the lock's name and the dead holder's pid (0 when none was recorded) on recovery.
  void on_recovered(std::function<void(const std::string&, pid_t)> fn);
  // The holds released by their owner's exit now, of every lock ("lock": the daemon's own).
  exit_release_holds exit_releases() const;
  // Told whenever exit_releases() may have changed, for any lock, the own one included.
  void on_exit_release_changed(std::function<void()> fn);

 private:
  struct named_entry {
    std::unique_ptr<named_lock> sem;
    std::unique_ptr<lock_keeper> keeper;
    std::uint64_t record = 0;
  };
  status open_entry(const layout::entry& e, bool fresh,
                    std::optional<lock_keeper::exit_release> resume = std::nullopt);
  handle handle_of(const std::string& name, named_entry& n);

  asio::io_context& io_;
  segment_table& table_;
  named_lock& own_;
  lock_keeper& own_keeper_;
  std::map<std::string, named_entry, std::less<>> named_;
  std::function<void(const std::string&, pid_t)> on_recovered_;
  std::function<void()> on_exit_release_changed_;
};

}  // namespace shoal
