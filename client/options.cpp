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

bool looks_like_number(std::string_view word) {
  return word.size() >= 2 && word[0] == '-' &&
         ((word[1] >= '0' && word[1] <= '9') || word[1] == '.');
}

const option_spec* find_long(std::span<const option_spec> spec, std::string_view name) {
  for (const auto& o : spec)
    if (o.name == name) return &o;
  for (const auto& o : globals)
    if (o.name == name) return &o;
  return nullptr;
}

const option_spec* find_short(std::span<const option_spec> spec, char c) {
  for (const auto& o : spec)
    if (o.short_name == c) return &o;
  for (const auto& o : globals)
    if (o.short_name == c) return &o;
  return nullptr;
}

// "unknown option '--jsno'; did you mean '--json'?"
std::string unknown_option(const std::string& shown, std::span<const option_spec> spec) {
  std::string message = "unknown option '" + shown + "'";
  if (shown.rfind("--", 0) != 0) return message;
  std::vector<std::string> known;
  for (const auto& o : spec) known.push_back("--" + std::string(o.name));
  for (const auto& o : globals) known.push_back("--" + std::string(o.name));
  if (auto near = nearest_words(shown, known); !near.empty())
    message += "; did you mean " + quoted_alternatives(near) + "?";
  return message;
}

}  // namespace

bool parsed_args::has(std::string_view name) const {
  for (const auto& [n, v] : options)
    if (n == name) return true;
  return false;
}

std::optional<std::string> parsed_args::value(std::string_view name) const {
  std::optional<std::string> last;
  for (const auto& [n, v] : options)
    if (n == name) last = v;
  return last;
}

std::vector<std::string> parsed_args::values(std::string_view name) const {
  std::vector<std::string> all;
  for (const auto& [n, v] : options)
    if (n == name) all.push_back(v);
  return all;
}

result<parsed_args> parse_args(std::span<const std::string> words,
                               std::span<const option_spec> spec, operand_mode mode) {
  parsed_args out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "--") {
      auto rest = words.subspan(i + 1);
      auto& into = mode == operand_mode::command ? out.command : out.operands;
      into.insert(into.end(), rest.begin(), rest.end());
      if (mode == operand_mode::command && out.command.empty())
        return status{errc::bad_request, "'--' must be followed by a program to run"};
      break;
    }
    if (word.size() < 2 || word[0] != '-' || looks_like_number(word)) {
      if (mode == operand_mode::command) {
        auto rest = words.subspan(i);
        out.command.assign(rest.begin(), rest.end());
        break;
      }
      out.operands.push_back(word);
      continue;
    }

    const option_spec* opt = nullptr;
    std::optional<std::string> inline_value;
    std::string shown;  // the option as the user wrote it, for messages
    if (word.rfind("--", 0) == 0) {
      std::string_view body = std::string_view(word).substr(2);
      if (auto eq = body.find('='); eq != std::string_view::npos) {
        inline_value = std::string(body.substr(eq + 1));
        body = body.substr(0, eq);
      }
      shown = "--" + std::string(body);
      opt = find_long(spec, body);
    } else {
      if (word.size() != 2)
        return status{errc::bad_request, "unknown option '" + word + "' (options do not combine)"};
      shown = word;
      opt = find_short(spec, word[1]);
    }
    if (!opt) return status{errc::bad_request, unknown_option(shown, spec)};

    if (!opt->takes_value) {
      if (inline_value) return status{errc::bad_request, "option '" + shown + "' takes no value"};
      out.options.emplace_back(std::string(opt->name), std::string());
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= words.size())
        return status{errc::bad_request, "option '" + shown + "' needs a value"};
      inline_value = words[++i];
    }
    out.options.emplace_back(std::string(opt->name), std::move(*inline_value));
  }
  return out;
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
