// The POSIX shared-memory object that holds the segment: its instance-derived name, exclusive
// creation, the checks before adopting one that a dead daemon left, and removal. The daemon
// keeps the object on a clean stop so that values survive restarts; `shoald --cleanup`
// removes it.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <memory>
#include <string>

#include "segment_table.hpp"
#include "status.hpp"

namespace shoal {

// "/shoal-<uid>-<16 hex digits of FNV-1a of the socket path>" and the same + "-lock": one
// daemon per socket path, so parallel daemons never share a segment.
struct instance_names {
  std::string shm;
  std::string lock;
};
instance_names names_for_socket(const std::string& socket_path);

// Refuses an object that another user owns or that others may open. `what` reads like
// "shared segment '/shoal-0-...'".
status check_private(const struct stat& st, const std::string& what);

class shared_segment {
 public:
  // Creates the object exclusively (mode 0600 whatever the umask), or adopts the one a dead
  // daemon left after checking owner, mode, size, magic, version and every entry. `fresh`
  // removes an existing one of ours first.
  static result<std::unique_ptr<shared_segment>> open(const std::string& name, std::size_t size,
                                                      bool fresh);
  // Removes the object; ok when there is none. Refuses one owned by another user.
  static status remove(const std::string& name);

  shared_segment(const shared_segment&) = delete;
  shared_segment& operator=(const shared_segment&) = delete;
  ~shared_segment();  // unmaps; the object stays

  const std::string& name() const { return name_; }
  std::size_t size() const { return size_; }
  bool adopted() const { return adopted_; }
  segment_table& table() { return table_; }
  layout::header& header() { return table_.header(); }

 private:
  shared_segment(std::string name, std::byte* base, std::size_t size, bool adopted)
      : name_(std::move(name)), base_(base), size_(size), adopted_(adopted), table_(base) {}
  std::string name_;
  std::byte* base_;
  std::size_t size_;
  bool adopted_;
  segment_table table_;
};

}  // namespace shoal
