#include "common/command_line.hpp"

namespace shoal {
namespace {

bool looks_like_number(std::string_view word) {
  return word.size() >= 2 && word[0] == '-' &&
         ((word[1] >= '0' && word[1] <= '9') || word[1] == '.');
}

const option_spec* find_long(std::span<const option_spec> spec, std::string_view name) {
  for (const auto& o : spec)
    if (o.name == name) return &o;
  return nullptr;
}

const option_spec* find_short(std::span<const option_spec> spec, char c) {
  for (const auto& o : spec)
    if (o.short_name != 0 && o.short_name == c) return &o;
  return nullptr;
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

parsed_args parse_command_line(std::span<const std::string> words,
                               std::span<const option_spec> spec, operand_mode mode) {
  parsed_args out;
  std::size_t i = 0;
  auto fail = [&out, &i](args_error::kind what, const std::string& word, std::string shown,
                         const option_spec* option = nullptr) {
    out.error = args_error{what, i, word, std::move(shown), option};
    return out;
  };
  for (; i < words.size(); ++i) {
    const std::string& word = words[i];
    const bool operand = word.size() < 2 || word[0] != '-' || looks_like_number(word);
    if (mode == operand_mode::none && (word == "--" || operand))
      return fail(args_error::kind::unexpected_operand, word, word);
    if (word == "--") {
      auto rest = words.subspan(i + 1);
      auto& into = mode == operand_mode::command ? out.command : out.operands;
      into.insert(into.end(), rest.begin(), rest.end());
      if (mode == operand_mode::command && out.command.empty())
        return fail(args_error::kind::missing_command, word, word);
      break;
    }
    if (operand) {
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
    if (word.starts_with("--")) {
      std::string_view body = std::string_view(word).substr(2);
      if (auto eq = body.find('='); eq != std::string_view::npos) {
        inline_value = std::string(body.substr(eq + 1));
        body = body.substr(0, eq);
      }
      shown = "--" + std::string(body);
      opt = find_long(spec, body);
    } else {
      if (word.size() != 2) return fail(args_error::kind::combined_options, word, word);
      shown = word;
      opt = find_short(spec, word[1]);
    }
    if (!opt) return fail(args_error::kind::unknown_option, word, shown);

    if (!opt->takes_value) {
      if (inline_value) return fail(args_error::kind::unexpected_value, word, shown, opt);
      out.options.emplace_back(std::string(opt->name), std::string());
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= words.size()) return fail(args_error::kind::missing_value, word, shown, opt);
      inline_value = words[++i];
    }
    out.options.emplace_back(std::string(opt->name), std::move(*inline_value));
  }
  return out;
}

}  // namespace shoal
