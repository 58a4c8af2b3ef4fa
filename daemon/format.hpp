// format("process '{}' exited with {}", name, code): the daemon's messages and log lines.
// Each "{}" takes the next argument, written as fmt or std::format would write it with an
// empty spec: strings as they are, integers in decimal, bool as true/false, floating point in
// its shortest form up to 15 digits ("0.5", "2"). A format whose "{}" do not match its
// arguments does not compile. No widths, no locales, no other specs: the daemon needs none,
// and the locale machinery of a fuller formatter would be most of the C++ runtime linked
// into shoald (docs/performance.md, "Memory").
#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>

namespace shoal {

namespace format_detail {

// The number of "{}" in `text`; a brace that does not open or close one does not compile.
consteval std::size_t holes(std::string_view text) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{' && i + 1 < text.size() && text[i + 1] == '}') {
      ++n;
      ++i;
    } else if (text[i] == '{' || text[i] == '}') {
      throw "a format may hold only \"{}\" as braces";
    }
  }
  return n;
}

inline void append(std::string& out, std::string_view s) { out += s; }
inline void append(std::string& out, const char* s) { out += s; }
inline void append(std::string& out, const std::string& s) { out += s; }
inline void append(std::string& out, char c) { out += c; }
inline void append(std::string& out, bool b) { out += b ? "true" : "false"; }

template <class T>
concept number = std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char>;

template <number T>
void append(std::string& out, T value) {
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  out.append(buf, end);
}

template <std::floating_point T>
void append(std::string& out, T value) {
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%.15g", static_cast<double>(value));
  if (n > 0) out.append(buf, static_cast<std::size_t>(n));
}

}  // namespace format_detail

template <class... Args>
struct format_string {
  template <std::convertible_to<std::string_view> S>
  consteval format_string(const S& s) : text(s) {  // NOLINT(google-explicit-constructor)
    if (format_detail::holes(text) != sizeof...(Args))
      throw "the format's \"{}\" do not match its arguments";
  }
  std::string_view text;
};

template <class... Args>
std::string format(format_string<std::type_identity_t<Args>...> f, const Args&... args) {
  std::string out;
  out.reserve(f.text.size() + 16 * sizeof...(Args));
  std::string_view rest = f.text;
  [[maybe_unused]] auto next = [&](const auto& arg) {
    std::size_t hole = rest.find("{}");
    out += rest.substr(0, hole);
    rest.remove_prefix(hole + 2);
    format_detail::append(out, arg);
  };
  (next(args), ...);
  out += rest;
  return out;
}

}  // namespace shoal
