// The POSIX named semaphore that is Shoal's lock (value 1 = free, 0 = held): exclusive
// creation with mode 0600, the owner checks before adopting one, and non-blocking use only.
// The daemon's single thread never calls sem_wait; waiting is done by lock_keeper's timers.
#pragma once

#include <semaphore.h>

#include <memory>
#include <string>

#include "common/status.hpp"

namespace shoal {

class named_lock {
 public:
  // Creates the semaphore (free), or adopts an existing one after checking that it is ours
  // and private. `fresh` removes an existing one first. `created` tells which happened.
  static result<std::unique_ptr<named_lock>> open(const std::string& name, bool fresh);
  static status remove(const std::string& name);  // ok when there is none

  named_lock(const named_lock&) = delete;
  named_lock& operator=(const named_lock&) = delete;
  ~named_lock();  // closes; the semaphore stays

  const std::string& name() const { return name_; }
  bool created() const { return created_; }
  bool try_acquire();  // sem_trywait
  void release();      // sem_post
  bool held() const;   // the value is 0
  // Brings a value above 1 (a double post) back to 1; true when it was above.
  bool normalize();

 private:
  named_lock(std::string name, sem_t* sem, bool created)
      : name_(std::move(name)), sem_(sem), created_(created) {}
  std::string name_;
  sem_t* sem_;
  bool created_;
};

}  // namespace shoal
