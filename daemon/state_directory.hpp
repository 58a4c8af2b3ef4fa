// The daemon's state directory (--state-dir): the trust checks on it and on its logs/, the
// instance lock, and the record of the shared objects' base name.
//
// Files in it:
//   logs/         each process's NAME.out and NAME.err
//   shoald.pid    the instance lock: a live daemon holds flock(LOCK_EX) on it for its whole
//                 life and wrote its pid in it; the kernel releases the lock when it dies
//   shared-name   the base name of the shared segment and lock ("/shoal-0-<32 hex>\n"),
//                 written before the objects are created, so a record never goes missing
//                 while its objects exist
//
// Whoever may write the directory decides what the daemon creates, adopts and deletes, so it
// and logs/ must belong to the daemon's uid and be closed to writes by group and others.
#pragma once

#include <string>

#include "common/status.hpp"
#include "common/unique_fd.hpp"

namespace shoal {

class state_directory {
 public:
  // Creates the directory (and missing parents) and logs/ mode 0700 when absent, then checks
  // both: owned by the effective uid, not writable by group or others, logs/ not a symbolic
  // link. With `create` false a missing directory is not_found and nothing is created.
  static result<state_directory> open(const std::string& path, bool create);

  // Takes the instance lock. already_exists, naming the live daemon's pid, when another
  // process holds it; the lock is held until this object goes.
  status lock_instance();

  // The recorded base name; "" when none was recorded. A record that is not one shoald
  // writes (shared_names.hpp) is refused rather than followed.
  result<std::string> shared_name() const;
  status record_shared_name(const std::string& base);  // atomically, by rename
  status forget_shared_name();                         // ok when there is none

  const std::string& path() const { return path_; }
  std::string logs_path() const { return path_ + "/logs"; }

 private:
  state_directory(std::string path, unique_fd dir) : path_(std::move(path)), dir_(std::move(dir)) {}
  std::string file(const char* name) const { return "'" + path_ + "/" + name + "'"; }

  std::string path_;
  unique_fd dir_;   // everything inside is reached relative to it
  unique_fd lock_;  // shoald.pid, flock'ed once lock_instance() succeeded
};

}  // namespace shoal
