// One run of the CLI as a verb sees it: its words, the global options, where output goes,
// and the helpers every verb shares (parsing, usage errors, one-request round trips).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "connection.hpp"
#include "options.hpp"
#include "protocol.hpp"
#include "reply.hpp"

namespace shoal::cli {

struct verb;

struct invocation {
  std::ostream& out;
  std::ostream& err;
  bool out_is_tty = false;   // tables may then use colour and fit the terminal
  std::size_t width = 0;     // columns of the terminal on stdout; 0 = do not truncate
  bool color = false;        // a TTY and NO_COLOR unset
  std::string socket_path;   // --socket, else $SHOAL_SOCKET, else default_socket_path()
  bool json = false;         // --json: print the raw result as one JSON document
  const verb* current = nullptr;
  std::vector<std::string> words;  // what follows the verb's name on the command line
};

// Parses `inv.words` against the verb's options plus the global ones, and applies --socket
// and --json. Returns an exit code when the verb has nothing more to do: 0 after printing
// --help, `usage_exit` after printing a usage error. Otherwise nullopt and `out` is filled.
std::optional<int> parse_invocation(invocation& inv, std::span<const option_spec> spec,
                                    parsed_args& out,
                                    operand_mode mode = operand_mode::operands,
                                    int usage_exit = exit_usage);

// Prints "shoal: VERB: MESSAGE" and a pointer to --help; returns `code`.
int usage_error(invocation& inv, std::string_view message, int code = exit_usage);

// Checks a name operand against the naming rule; a usage error message when it fails.
std::optional<std::string> check_name(std::string_view what, std::string_view name);

// Prints the verb's usage, summary and options (for --help).
void print_verb_help(const invocation& inv);

// Prints `result` as one compact JSON line (invalid UTF-8 replaced, never throws).
void print_json(std::ostream& out, const json& result);

// The round trip most verbs are: connect, send `request`, wait for its reply. On success
// prints the result as JSON (--json) or through `print_text`, and returns 0; otherwise
// prints the error and returns 1 or 3.
int simple_call(invocation& inv, json request,
                const std::function<void(const json& result)>& print_text);

// Sends every request on `conn` before reading any reply, then collects the replies, which
// may come in any order, matched by id: outcome i answers request i. A transport failure
// fails every request still unanswered.
std::vector<outcome> call_all(connection& conn, std::vector<json> requests);

}  // namespace shoal::cli
