// Command-line words -> options and operands, shared by every verb. Global options (--socket,
// --json, --help) are accepted anywhere before `--`, so each verb's own parser takes them too.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"

namespace shoal::cli {

struct option_spec {
  std::string_view name;  // long name, without the leading "--"
  char short_name = 0;    // e.g. 'v' for -v; 0 when there is none
  bool takes_value = false;
};

// What the command line said, in the order it said it.
struct parsed_args {
  std::vector<std::string> operands;
  // The words of a command to run (`start`): everything after `--`, or from the first operand
  // when the parser was asked to stop there. Empty when there was none.
  std::vector<std::string> command;
  // (option name, value); the value is empty for a flag.
  std::vector<std::pair<std::string, std::string>> options;

  bool has(std::string_view name) const;
  // The last value given, as a later option overrides an earlier one.
  std::optional<std::string> value(std::string_view name) const;
  std::vector<std::string> values(std::string_view name) const;
};

enum class operand_mode {
  // `--` ends the options; words after it are operands (e.g. a negative number).
  operands,
  // `--` or the first operand starts a command whose words are never taken as options.
  command,
};

// Accepts `--name value`, `--name=value`, `-x`, `-x value`. A word that starts with '-' and
// looks like a number ("-5", "-1.5") is an operand, so values can be negative. A status with
// errc::bad_request says which word was not understood.
result<parsed_args> parse_args(std::span<const std::string> words,
                               std::span<const option_spec> spec,
                               operand_mode mode = operand_mode::operands);

// The longest duration the daemon accepts, in seconds.
inline constexpr double max_seconds = 1e9;

// Numbers given on the command line. `label` names the option or operand in the message
// ("--timeout", "INDEX").
result<double> parse_seconds(std::string_view label, std::string_view text);
result<long long> parse_integer(std::string_view label, std::string_view text);

}  // namespace shoal::cli
