// Every name of an instance's POSIX shared objects derives from one base name, here and
// nowhere else. The base is drawn at random, so no other user can predict it and create an
// object under it first; the state directory records it (state_directory::shared_name), so a
// restarted daemon adopts the same objects. Clients never derive names: they read them from
// `hello` or from SHOAL_SHM and SHOAL_LOCK. A named lock's semaphore derives from the lock
// semaphore's name (common/shoal/lock_names.hpp, shared with the library children use).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace shoal {

// "/shoal-<uid>-<32 hex digits>": the uid tells an operator whose it is, the digits are 128
// random bits from getrandom(2).
result<std::string> random_base_name();
// True for what random_base_name() makes, whatever the uid.
bool is_base_name(std::string_view name);

struct instance_names {
  std::string shm;   // the segment: the base itself
  std::string lock;  // the lock semaphore: base + "-lock"
};
instance_names names_for_base(const std::string& base);

// Where glibc keeps them: shm_open("/x") is /dev/shm/x, sem_open("/x") is /dev/shm/sem.x.
std::string segment_file(const std::string& shm_name);
std::string semaphore_file(const std::string& lock_name);

// The uid that owns the file at `path`, without following a symlink (a symlink is its
// creator's); nullopt when there is none.
result<std::optional<uid_t>> file_owner(const std::string& path);

}  // namespace shoal
