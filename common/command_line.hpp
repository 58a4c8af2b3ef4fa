// Command-line words -> options and operands: the one parser behind shoald's, shoal's and the
// benchmarks' argv. It knows no program's wording: a mistake comes back typed, and each program
// says it in its own words (its messages are part of its interface).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shoal {

struct option_spec {
  std::string_view name;  // long name, without the leading "--"
  char short_name = 0;    // e.g. 'v' for -v; 0 when there is none
  bool takes_value = false;
};

enum class operand_mode {
  // `--` ends the options; words after it are operands (e.g. a negative number).
  operands,
  // `--` or the first operand starts a command whose words are never taken as options.
  command,
  // Options only: an operand, or `--`, is a mistake (args_error::kind::unexpected_operand).
  none,
};

// The first word that could not be understood. Parsing stops there.
struct args_error {
  enum class kind {
    unknown_option,      // no option of that name: `shown`
    combined_options,    // "-xv": short options do not combine
    unexpected_value,    // "--json=1": `option` takes no value
    missing_value,       // "--socket" with nothing after it
    missing_command,     // operand_mode::command: `--` with nothing after it
    unexpected_operand,  // operand_mode::none: a word that is not an option
  };
  kind what;
  std::size_t index = 0;                // where `word` is in the words parsed
  std::string word;                     // the word as given: "--jsno=1"
  std::string shown;                    // the option as given, without "=value": "--jsno"
  const option_spec* option = nullptr;  // unexpected_value and missing_value
};

// What the command line said, in the order it said it, up to the first mistake.
struct parsed_args {
  std::vector<std::string> operands;
  // The words of a command to run (`start`): everything after `--`, or from the first operand
  // when the parser was asked to stop there. Empty when there was none.
  std::vector<std::string> command;
  // (option name, value); the value is empty for a flag.
  std::vector<std::pair<std::string, std::string>> options;
  // Set when a word was not understood; everything before it is above.
  std::optional<args_error> error;

  bool has(std::string_view name) const;
  // The last value given, as a later option overrides an earlier one.
  std::optional<std::string> value(std::string_view name) const;
  std::vector<std::string> values(std::string_view name) const;
};

// Accepts `--name value`, `--name=value`, `-x`, `-x value`. A word that starts with '-' and
// looks like a number ("-5", "-1.5") is an operand, so values can be negative. A value is the
// next word whatever it looks like.
parsed_args parse_command_line(std::span<const std::string> words,
                               std::span<const option_spec> spec,
                               operand_mode mode = operand_mode::operands);

}  // namespace shoal
