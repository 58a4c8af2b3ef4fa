// The verbs of `shoal`, as a table: each group of verbs lives in its own file and exposes its
// entries; cli.cpp looks a verb up by name and runs it. A verb name may be two words
// ("value get"); the longest match wins.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "client/invocation.hpp"

namespace shoal::cli {

struct verb {
  std::string_view name;      // "start", "value get"
  std::string_view synopsis;  // what follows "shoal " in the usage line
  std::string_view summary;   // one line for `shoal --help`
  std::string_view details;   // the options and outputs, for `shoal VERB --help`
  int (*run)(invocation& inv);
};

// start, join, status, stop, restart, kill, remove, logs, ping: client/verbs_process.cpp
// (start in client/verb_start.cpp, logs in client/verb_logs.cpp)
std::span<const verb> process_verbs();
// value and array verbs: client/verbs_shared.cpp
std::span<const verb> shared_verbs();
// lock verbs: client/verbs_lock.cpp
std::span<const verb> lock_verbs();

// reload, watch: client/verbs_service.cpp
std::span<const verb> service_verbs();

// top: client/verbs_top.cpp
std::span<const verb> top_verbs();

// Every verb, in the order `shoal --help` lists them.
const std::vector<verb>& all_verbs();

// Another name for a one-word verb.
struct verb_alias {
  std::string_view alias;  // "ls"
  std::string_view verb;   // "status"
};
std::span<const verb_alias> verb_aliases();
std::vector<std::string> aliases_of(std::string_view verb_name);

// The verb named by the first one or two of `words` (or an alias); `consumed` says how many.
const verb* find_verb(std::span<const std::string> words, std::size_t& consumed);

}  // namespace shoal::cli
