// The declared programs the daemon keeps running (programs_file.hpp), and how a new version
// of the file is applied, like `supervisorctl update`: new programs start, removed ones stop,
// changed ones restart, unchanged ones are not touched.
//
// Instances are ordinary supervisor records whose `program` names their declaration; the
// supervisor also learns each instance's spec, so `start` with just a name starts a program
// that has autostart off.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "daemon/programs_file.hpp"
#include "daemon/supervisor.hpp"
#include "daemon/timers.hpp"

namespace shoal {

class program_table {
 public:
  program_table(timer_service& timers, supervisor& s, std::string path, bool as_root);

  // Reads the file and applies it. On any problem with the file nothing changes and the
  // status says which line and why. Result: {"file", "added", "removed", "changed",
  // "unchanged", "failed": [{"name", "error"}]} (names of programs; `failed` lists instances
  // that could not be started).
  result<json> reload();
  // Applies an already parsed set (reload() and the unit tests).
  json apply(std::vector<program_spec> next);

  const std::string& path() const { return path_; }
  const std::map<std::string, program_spec>& programs() const { return current_; }

 private:
  void start_instance(const program_spec& p, const std::string& instance, json& failed);
  // After a changed program's old instance has stopped: start it again if the declaration
  // in force now still wants it.
  void restart_if_wanted(const std::string& program, const std::string& instance);
  // Stops an instance; `then` runs, posted, once it is done (at once when it is done already).
  void stop_then(const std::string& instance, std::function<void()> then);

  timer_service& timers_;
  supervisor& supervisor_;
  std::string path_;
  bool as_root_;
  std::map<std::string, program_spec> current_;
  std::multimap<std::string, std::function<void()>> after_stop_;  // by instance name
};

}  // namespace shoal
