// A child's environment, built in layers: the daemon's own, then what the request asks for,
// then what the daemon sets itself (SHOAL_SOCKET, SHOAL_NAME, SHOAL_SHM, SHOAL_LOCK). A later
// entry replaces an earlier one of the same name, so a caller can never override what the
// daemon sets, and the result holds every name once: with two, getenv(3) in C and os.environ
// in Python would disagree about which one counts.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
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

// The environment process `name` starts with: `inherited` (the daemon's environ), then `env`
// (what its spec sets; the last of duplicates wins), then SHOAL_SOCKET, SHOAL_NAME and
// `daemon_entries` (the shared state's names), which nothing else can override.
std::vector<std::string> environment_for(
    char** inherited, const std::string& name,
    const std::vector<std::pair<std::string, std::string>>& env, const std::string& socket_path,
    const std::vector<std::string>& daemon_entries);

}  // namespace shoal
