// A raw AF_UNIX stream connection that writes and reads whole '\n'-terminated lines, with no
// JSON in the way: the measuring stick shared by the daemon's benchmarks and their baselines.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "common/unique_fd.hpp"

namespace shoal::bench {

class line_socket {
 public:
  static result<line_socket> connect(const std::string& path);
  explicit line_socket(unique_fd fd) : fd_(std::move(fd)) {}

  // Writes all of `line` (which carries its own '\n').
  status write_all(std::string_view line);
  // The next line without its '\n', valid until the next read on this socket; an error when
  // the peer closes first.
  result<std::string_view> read_line();
  // write_all + read_line.
  result<std::string_view> round_trip(std::string_view line);

  int fd() const { return fd_.get(); }

 private:
  unique_fd fd_;
  // Replies are received into one buffer, reused for every line and grown only for a longer
  // one. A string grown, copied out and freed for each reply cost this client page faults and
  // three copies of a 4.6 MB `status` at 10,000 processes, twice what the daemon spent on it,
  // and all of it was charged to the daemon's figure.
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t start_ = 0;  // the first byte not returned yet
  std::size_t end_ = 0;    // one past the last byte received
};

}  // namespace shoal::bench
