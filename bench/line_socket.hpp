// A raw AF_UNIX stream connection that writes and reads whole '\n'-terminated lines, with no
// JSON in the way: the measuring stick shared by the daemon's benchmarks and their baselines.
#pragma once

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
  // The next line without its '\n'; an error when the peer closes first.
  result<std::string> read_line();
  // write_all + read_line.
  result<std::string> round_trip(std::string_view line);

  int fd() const { return fd_.get(); }

 private:
  unique_fd fd_;
  std::string buffer_;
};

}  // namespace shoal::bench
