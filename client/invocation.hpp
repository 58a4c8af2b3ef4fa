// One run of the CLI as a verb sees it: its words, the global options, where output goes,
// and the helpers every verb shares (parsing, usage errors, one-request round trips).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>
#include "client/output.hpp"

#include "client/connection.hpp"
#include "client/options.hpp"
#include "client/reply.hpp"
#include "common/protocol.hpp"

namespace shoal::cli {

struct verb;

struct invocation {
  output& out;
  output& err;
  bool out_is_tty = false;  // tables may then use colour and fit the terminal
  std::size_t width = 0;    // columns of the terminal on stdout; 0 = do not truncate
  bool color = false;       // a TTY and NO_COLOR unset
  std::string socket_path;  // --socket, else $SHOAL_SOCKET, else default_socket_path()
  bool json = false;        // --json: print the raw result as one JSON document
  const verb* current = nullptr;
  std::vector<std::string> words;  // what follows the verb's name on the command line
};

// Parses `inv.words` against the verb's options plus the global ones, and applies --socket
// and --json. Returns an exit code when the verb has nothing more to do: 0 after printing
// --help, `usage_exit` after printing a usage error. Otherwise nullopt and `out` is filled.
std::optional<int> parse_invocation(invocation& inv, std::span<const option_spec> spec,
                                    parsed_args& out, operand_mode mode = operand_mode::operands,
                                    int usage_exit = exit_usage);

// Prints "shoal: VERB: MESSAGE" and a pointer to --help (with --json, also the error object
// below, code "usage", on stdout); returns `code`.
int usage_error(invocation& inv, std::string_view message, int code = exit_usage);

// A failure as --json prints it: {"error": {"code": CODE, "message": MESSAGE}}, CODE being
// the daemon's error code, "unreachable" when it could not be reached, or "usage".
json error_json(const outcome& o);
json error_json(std::string_view code, std::string_view message);

// Prints a failed outcome on stderr (print_error) and, with --json, as error_json on stdout,
// so that a script reading stdout gets one JSON document whatever happened. Nothing for ok.
void report_failure(invocation& inv, const outcome& o);

// True when `words` hold --json before any `--`: for errors found before they are parsed.
bool asks_for_json(std::span<const std::string> words);

// Checks a name operand against the naming rule; a usage error message when it fails.
std::optional<std::string> check_name(std::string_view what, std::string_view name);

// Checks the operand count against [least, most]; a usage error naming the first missing
// operand as the verb's synopsis calls it ("missing TYPECODE"), or the first extra one.
std::optional<int> need_operands(invocation& inv, const parsed_args& a, std::size_t least,
                                 std::size_t most);

// Prints the verb's usage, summary and options (for --help).
void print_verb_help(const invocation& inv);

// Prints `result` as one compact JSON line (invalid UTF-8 replaced, never throws).
void print_json(output& out, const json& result);

// Connects to the daemon; when it cannot, prints why (report_failure) and returns the error.
// The verb picks its exit code: exit_unreachable, or exit_failed for join and lock run.
result<connection> connect_or_print(invocation& inv);

// --timeout SECONDS, when given, as the request's "timeout" field. A usage error (exit
// `usage_exit`) when it is not a number of seconds.
std::optional<int> take_timeout(invocation& inv, const parsed_args& a, json& request,
                                int usage_exit = exit_usage);

// --owner PID: the process a lock request acts for; by default the caller of shoal (a
// script can then acquire in one command and release in a later one).
result<long long> owner_option(const parsed_args& a);

// The round trip most verbs are: connect, send `request`, wait for its reply. On success
// prints the result as JSON (--json) or through `print_text`, and returns 0; otherwise
// prints the error and returns 1 or 3.
int simple_call(invocation& inv, json request,
                const std::function<void(const json& result)>& print_text);

// Sends one request on `conn` and reports a failure as simple_call does, but hands back the
// outcome for the verb to judge.
outcome call_once(invocation& inv, connection& conn, json request);

// A JSON value as a person reads it: a string without its quotes, anything else as JSON.
std::string text_of(const json& value);

// Sends every request on `conn` before reading any reply, then collects the replies, which
// may come in any order, matched by id: outcome i answers request i. A transport failure
// fails every request still unanswered.
std::vector<outcome> call_all(connection& conn, std::vector<json> requests);

}  // namespace shoal::cli
