// A child's environment, built in layers: the daemon's own, then what the request asks for,
// then what the daemon sets itself (SHOAL_SOCKET, SHOAL_NAME, SHOAL_SHM, SHOAL_LOCK). A later
// entry replaces an earlier one of the same name, so a caller can never override what the
// daemon sets, and the result holds every name once: with two, getenv(3) in C and os.environ
// in Python would disagree about which one counts.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace shoal {

class child_environment {
 public:
  // "KEY=VALUE" (an entry without '=' is named by all of it); replaces an earlier KEY.
  void set(std::string entry);
  void set(std::string_view key, std::string_view value);
  // Every entry of a NULL-terminated array such as environ, each one a set().
  void set_all(char** entries);

  // KEY=VALUE entries, each name once, in the order each name was first set.
  const std::vector<std::string>& entries() const { return entries_; }

 private:
  std::vector<std::string> entries_;
  std::unordered_map<std::string, std::size_t> index_;  // name -> position in entries_
};

}  // namespace shoal
