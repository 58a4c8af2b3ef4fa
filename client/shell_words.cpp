#include "client/shell_words.hpp"

namespace shoal::cli {

std::string shell_quote(std::string_view word) {
  if (word.empty()) return "''";
  bool plain = true;
  for (char c : word) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-' || c == '.' || c == '/' || c == ',' || c == ':' || c == '=' ||
                c == '+' || c == '@' || c == '%';
    if (!safe) {
      plain = false;
      break;
    }
  }
  if (plain) return std::string(word);
  std::string quoted = "'";
  for (char c : word) {
    if (c == '\'')
      quoted += "'\\''";
    else
      quoted += c;
  }
  quoted += '\'';
  return quoted;
}

std::string shell_join(const json& argv) {
  std::string line;
  if (!argv.is_array()) return line;
  for (const auto& word : argv) {
    if (!word.is_string()) continue;
    if (!line.empty()) line += ' ';
    line += shell_quote(word.get_ref<const std::string&>());
  }
  return line;
}

}  // namespace shoal::cli
