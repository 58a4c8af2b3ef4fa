// What a reply means on the command line: the exit code it maps to and the error text a
// person sees. The exit codes are part of the CLI's contract (docs/cli.md).
#pragma once

#include <string>
#include "client/output.hpp"

#include "common/protocol.hpp"
#include "common/status.hpp"

namespace shoal::cli {

// Every verb but join.
inline constexpr int exit_ok = 0;
inline constexpr int exit_refused = 1;      // the daemon answered with an error
inline constexpr int exit_usage = 2;        // the command line was wrong
inline constexpr int exit_unreachable = 3;  // no daemon, or it hung up mid-request
// join and lock run, like timeout(1): otherwise the child's own status, or 128+N for signal N.
inline constexpr int exit_timeout = 124;
inline constexpr int exit_failed = 125;  // shoal itself failed (usage, daemon, not_found)

// One request's fate: the daemon's result, its refusal, or a failure to talk to it at all.
struct outcome {
  enum class kind { ok, refused, failed };
  kind what = kind::failed;
  json result;          // ok: the reply's "result"
  std::string code;     // refused: the protocol's error code, e.g. "not_found"
  std::string message;  // refused and failed: for people
};

// A transport failure (`reply` holds a status) is `failed`; a reply without a usable "ok"
// is `failed` too, as the daemon cannot be trusted to have done anything.
outcome classify(const result<json>& reply);

// 0, 1 or 3.
int exit_code(const outcome& o);
// The process's exit status for an ok join (its record), 124 for a timeout, 125 otherwise.
int join_exit_code(const outcome& o);
// For a process record: its exitcode, or 128+N when killed by signal N (exitcode -N).
// 125 when the record does not say (still running, malformed).
int exit_status_of(const json& record);

// "shoal: not_found: no process named 'wolf'" for a refusal; "shoal: <message>" for a
// failure, every line of a multi-line message prefixed the same way. Nothing for ok.
void print_error(output& err, const outcome& o);

}  // namespace shoal::cli
