#include "common/env_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/unique_fd.hpp"

namespace shoal {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. Values reach the
// daemon as JSON strings, which must be UTF-8.
bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = b < 0x80           ? 1
                      : (b >> 5) == 0x6  ? 2
                      : (b >> 4) == 0xe  ? 3
                      : (b >> 3) == 0x1e ? 4
                                         : 0;
    if (len == 0 || i + len > s.size()) return false;
    unsigned cp = len == 1 ? b : len == 2 ? (b & 0x1f) : len == 3 ? (b & 0x0f) : (b & 0x07);
    for (std::size_t k = 1; k < len; ++k) {
      auto cont = static_cast<unsigned char>(s[i + k]);
      if ((cont & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cont & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

// One pass over the text. `line` counts every newline consumed, inside quotes and
// continuations too, so a message points at the line an editor shows.
class parser {
 public:
  parser(std::string_view text, std::string_view origin) : text_(text), origin_(origin) {}

  result<env_vars> run() {
    env_vars vars;
    while (pos_ < text_.size()) {
      skip_blanks();
      if (at_end()) break;
      char c = text_[pos_];
      if (c == '\n') {
        newline();
        continue;
      }
      if (c == '#' || c == ';') {
        // A comment ends at its newline, backslash or not (as in systemd since v254).
        while (!at_end() && text_[pos_] != '\n') ++pos_;
        continue;
      }
      std::size_t first_line = line_;
      auto key = read_key();
      if (!key) return key.error();
      auto value = read_value();
      if (!value) return value.error();
      if (!is_valid_utf8(*value))
        return fail(first_line, "the value of " + *key + " is not valid UTF-8");
      set_env_var(vars, std::move(*key), std::move(*value));
    }
    return vars;
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }

  // Consumes a '\n', or the "\r\n" of a file written on Windows.
  void newline() {
    ++pos_;
    ++line_;
  }
  bool at_newline() const {
    return text_[pos_] == '\n' ||
           (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n');
  }
  void consume_newline() {
    if (text_[pos_] == '\r') ++pos_;
    newline();
  }

  void skip_blanks() {
    while (!at_end() && (is_blank(text_[pos_]) || (text_[pos_] == '\r' && at_newline()))) ++pos_;
  }

  status fail(std::size_t line, const std::string& why) const {
    return {errc::bad_request, std::string(origin_) + ":" + std::to_string(line) + ": " + why};
  }

  result<std::string> read_key() {
    std::size_t start = pos_;
    while (!at_end() && text_[pos_] != '=' && !at_newline()) {
      if (text_[pos_] == '\0') return fail(line_, "a NUL byte is not allowed");
      ++pos_;
    }
    std::string_view key = text_.substr(start, pos_ - start);
    while (!key.empty() && is_blank(key.back())) key.remove_suffix(1);
    if (at_end() || text_[pos_] != '=')
      return fail(line_, "expected KEY=VALUE, found '" + std::string(key) + "'");
    ++pos_;  // '='
    if (key.empty()) return fail(line_, "a variable name is missing before '='");
    if (key.rfind("export", 0) == 0 && key.size() > 6 && is_blank(key[6]))
      return fail(line_,
                  "'export' is not part of the syntax (an environment file is not a "
                  "shell script); write " +
                      std::string(key.substr(7)) + "=...");
    if (!is_valid_env_name(key))
      return fail(line_, "'" + std::string(key) +
                             "' is not a valid variable name (letters, digits and '_', not "
                             "starting with a digit)");
    return std::string(key);
  }

  // The value up to the newline that ends it (consumed). Unquoted whitespace at the end is
  // dropped unless a backslash protects it; quoted text is never trimmed.
  result<std::string> read_value() {
    std::string value;
    std::size_t keep = 0;  // value.resize(keep) drops the trailing unquoted whitespace
    bool unquoted = false;
    skip_blanks();
    while (!at_end()) {
      char c = text_[pos_];
      if (c == '\0') return fail(line_, "a NUL byte is not allowed");
      if (at_newline()) {
        consume_newline();
        break;
      }
      if (!unquoted && (c == '\'' || c == '"')) {
        std::size_t opened = line_;
        ++pos_;
        if (!read_quoted(c, value)) {
          std::string what = c == '\'' ? "single" : "double";
          return fail(opened, "the " + what + " quote opened here is never closed");
        }
        keep = value.size();
        skip_blanks();
        continue;
      }
      unquoted = true;
      ++pos_;
      if (c == '\\') {
        if (at_end()) break;
        if (at_newline()) {
          consume_newline();  // a continuation: the newline is not part of the value
          continue;
        }
        value += text_[pos_++];
        keep = value.size();
        continue;
      }
      value += c;
      if (!is_blank(c)) keep = value.size();
    }
    value.resize(keep);
    return value;
  }

  // Appends the quoted text up to the closing `quote` (consumed); false at the end of the
  // text without one.
  bool read_quoted(char quote, std::string& value) {
    while (!at_end()) {
      char c = text_[pos_++];
      if (c == quote) return true;
      if (c == '\n') ++line_;
      if (quote == '"' && c == '\\' && !at_end()) {
        char next = text_[pos_];
        if (next == '"' || next == '\\' || next == '`' || next == '$') {
          value += next;
          ++pos_;
        } else if (at_newline()) {
          consume_newline();
        } else {
          value += c;  // like a shell: an escape that means nothing keeps its backslash
        }
        continue;
      }
      value += c;
    }
    return false;
  }

  std::string_view text_;
  std::string_view origin_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

}  // namespace

bool is_valid_env_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

void set_env_var(env_vars& vars, std::string key, std::string value) {
  for (auto& [k, v] : vars)
    if (k == key) {
      v = std::move(value);
      return;
    }
  vars.emplace_back(std::move(key), std::move(value));
}

result<env_vars> parse_env_file(std::string_view text, std::string_view origin) {
  return parser(text, origin).run();
}

result<env_vars> load_env_file(const std::string& path) {
  std::string what = "unable to read environment file '" + path + "'";
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) return status::from_errno(errc::bad_request, what, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return status::from_errno(errc::bad_request, what, errno);
  // A directory opens fine and reads as nothing; it must not pass for an empty file.
  if (!S_ISREG(st.st_mode)) return status{errc::bad_request, what + ": not a regular file"};
  std::string text;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return status::from_errno(errc::bad_request, what, errno);
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > max_env_file_bytes)
      return status{errc::bad_request,
                    what + ": larger than " + std::to_string(max_env_file_bytes / 1024) + " KiB"};
  }
  return parse_env_file(text, path);
}

}  // namespace shoal
