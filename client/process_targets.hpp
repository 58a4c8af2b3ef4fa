// The one path of every verb that acts on processes by TARGET (a name, a declared program,
// `all`, a glob: common/target_pattern.hpp): check the targets' spelling, expand them with one
// `status` request, send the verb's request once per process on one connection, and report
// each outcome. Exit codes: the worst of exit_ok, exit_refused and exit_unreachable.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "client/invocation.hpp"

namespace shoal::cli {

// A usage error message for the first target that can match no name.
std::optional<std::string> check_targets(const std::vector<std::string>& targets);

struct expansion {
  std::vector<std::string> names;     // processes the daemon has, in the order to act on them
  std::vector<std::string> declared;  // with `declared`: declared instances never started
  outcome failure;                    // ok unless the daemon refused or could not be asked
};

// Asks `status` for what `targets` expand to. With `declared`, declared instances that were
// never started count too (what `start` may start).
expansion expand(connection& conn, const std::vector<std::string>& targets, bool declared = false);

// A connection and the names `targets` expand to on it; when either could not be had, `conn`
// is empty and `exit` the code to end with (exit_unreachable, or the daemon's refusal's), the
// failure said on stderr.
struct reached_targets {
  std::optional<connection> conn;
  std::vector<std::string> names;
  int exit = exit_ok;
};
reached_targets reach_targets(invocation& inv, const std::vector<std::string>& targets);

// Sends `request` once per name, with "name" set, all before reading any reply, so that N
// processes stop in one grace period rather than N: outcome i answers names[i].
std::vector<outcome> call_each(connection& conn, const json& request,
                               const std::vector<std::string>& names);

// Prints each failure once on stderr: a lost connection fails every outstanding request alike.
void print_errors(invocation& inv, const std::vector<outcome>& outcomes);

// --json: one outcome as its record or error object; several as one array whose failed
// elements are error objects carrying the process's "name".
void print_json_outcomes(invocation& inv, const std::vector<std::string>& names,
                         const std::vector<outcome>& outcomes);

// The exit code of a verb that acted on several processes: its worst outcome.
int worst_exit_code(const std::vector<outcome>& outcomes);

}  // namespace shoal::cli
