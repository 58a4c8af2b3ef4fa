// The POSIX shared-memory object that holds the segment (its name: shared_names.hpp): exclusive
// creation, the checks before adopting one that a dead daemon left, and removal. The daemon
// keeps the object on a clean stop so that values survive restarts; `shoald --cleanup`
// removes it.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "daemon/segment_table.hpp"

namespace shoal {

// Refuses an object that another user owns (permission_denied: never to be used or removed,
// see shared_state.cpp), or that others may open or that is no regular file (internal).
// `what` reads like "shared segment '/shoal-0-...'".
status check_private(const struct stat& st, const std::string& what);

class shared_segment {
 public:
  // Creates the object exclusively (mode 0600 whatever the umask), or adopts the one a dead
  // daemon left after checking owner, mode, size, magic, version and every entry. `fresh`
  // removes an existing one of ours first.
  static result<std::unique_ptr<shared_segment>> open(const std::string& name, std::size_t size,
                                                      bool fresh);
  // Creates a new, empty one; already_exists when the name is taken.
  static result<std::unique_ptr<shared_segment>> create(const std::string& name, std::size_t size);
  // Removes the object; ok when there is none. Refuses one owned by another user.
  static status remove(const std::string& name);
  // The named locks recorded in an existing object of ours that validates, so that their
  // semaphores can be removed with it (--fresh, --cleanup); empty when there is none.
  static std::vector<std::string> lock_names(const std::string& name);

  // Takes over every entry and value of a segment of the same size (carrying them to a new
  // name); before anyone else knows this one's name.
  void copy_from(const shared_segment& other);

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
      : name_(std::move(name)),
        base_(base),
        size_(size),
        adopted_(adopted),
        // Not adopted: created and formatted just now, nothing to index.
        table_(adopted ? segment_table(base) : segment_table::formatted(base)) {}
  std::string name_;
  std::byte* base_;
  std::size_t size_;
  bool adopted_;
  segment_table table_;
};

}  // namespace shoal
