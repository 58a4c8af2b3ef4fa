#include "client/options.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "client/suggest.hpp"

namespace shoal::cli {
namespace {

constexpr option_spec globals[] = {
    {"socket", 0, true},
    {"json", 0, false},
    {"help", 'h', false},
};

// "unknown option '--jsno'; did you mean '--json'?"
std::string unknown_option(const std::string& shown, std::span<const option_spec> spec) {
  std::string message = "unknown option '" + shown + "'";
  if (!shown.starts_with("--")) return message;
  std::vector<std::string> known;
  for (const auto& o : spec) known.push_back("--" + std::string(o.name));
  if (auto near = nearest_words(shown, known); !near.empty())
    message += "; did you mean " + quoted_alternatives(near) + "?";
  return message;
}

std::string message_of(const args_error& e, std::span<const option_spec> spec) {
  switch (e.what) {
    case args_error::kind::unknown_option:
      return unknown_option(e.shown, spec);
    case args_error::kind::combined_options:
      return "unknown option '" + e.word + "' (options do not combine)";
    case args_error::kind::unexpected_value:
      return "option '" + e.shown + "' takes no value";
    case args_error::kind::missing_value:
      return "option '" + e.shown + "' needs a value";
    case args_error::kind::missing_command:
      return "'--' must be followed by a program to run";
    case args_error::kind::unexpected_operand:
      return "unexpected operand '" + e.word + "'";
  }
  return "unable to read '" + e.word + "'";
}

}  // namespace

result<parsed_args> parse_args(std::span<const std::string> words,
                               std::span<const option_spec> spec, operand_mode mode) {
  // The verb's own options first: the order unknown options are suggested in.
  std::vector<option_spec> all(spec.begin(), spec.end());
  all.insert(all.end(), std::begin(globals), std::end(globals));
  parsed_args parsed = parse_command_line(words, all, mode);
  if (parsed.error) return status{errc::bad_request, message_of(*parsed.error, all)};
  return parsed;
}

result<double> parse_seconds(std::string_view label, std::string_view text) {
  std::string copy(text);
  char* end = nullptr;
  errno = 0;
  double seconds = copy.empty() ? 0 : std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size() || errno == ERANGE ||
      !std::isfinite(seconds) || seconds < 0)
    return status{errc::bad_request,
                  std::string(label) + " needs a number of seconds >= 0, not '" + copy + "'"};
  // The daemon's bound for every duration; past it a wait is a mistake, not a plan.
  if (seconds > max_seconds)
    return status{errc::bad_request, std::string(label) +
                                         " needs at most 1000000000 seconds "
                                         "(about 31 years), not '" +
                                         copy + "'"};
  return seconds;
}

result<long long> parse_integer(std::string_view label, std::string_view text) {
  long long n = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (first != last && *first == '+') ++first;
  auto [end, ec] = std::from_chars(first, last, n);
  if (text.empty() || ec != std::errc{} || end != last)
    return status{errc::bad_request,
                  std::string(label) + " needs a whole number, not '" + std::string(text) + "'"};
  return n;
}

}  // namespace shoal::cli
