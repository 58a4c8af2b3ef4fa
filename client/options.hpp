// Command-line words -> options and operands, shared by every verb. Global options (--socket,
// --json, --help) are accepted anywhere before `--`, so each verb's own parser takes them too.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/command_line.hpp"
#include "common/status.hpp"

namespace shoal::cli {

using shoal::operand_mode;
using shoal::option_spec;
using shoal::parsed_args;

// parse_command_line (common/command_line.hpp) with the global options added to `spec`. A
// status with errc::bad_request says which word was not understood, in the client's words.
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
