// JSON text written directly, byte for byte what json's dump() writes for the same value,
// for the paths where building a json object first costs more than the work around it (the
// status table, the record file's journal line on every start and exit).
#pragma once

#include <charconv>
#include <cmath>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/protocol.hpp"
#include "common/rounding.hpp"

namespace shoal::json_text {

// Literals as string_view: appending one copies its known length, with no strlen.
using namespace std::string_view_literals;

inline void append_string(std::string& out, std::string_view text) {
  bool plain = true;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x80 || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  }
  if (!plain) {  // escapes and UTF-8 (invalid bytes replaced, as to_line does): json's own
    out += json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
    return;
  }
  out += '"';
  out += text;
  out += '"';
}

template <class Integer>
void append_integer(std::string& out, Integer value) {
  char digits[24];
  auto written = std::to_chars(digits, std::end(digits), value);
  out.append(digits, written.ptr);
}

inline void append_double(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null"sv;
    return;
  }
  // A whole number (a restart window, the usage of an idle process) is written as json writes
  // it, its digits and ".0", without the search for the shortest digits; zero json writes
  // without the search too. Below 10^15 json writes no exponent, and every whole number is
  // exact in a double.
  if (value != 0 && std::fabs(value) < 1e15 && is_whole(value)) {
    append_integer(out, static_cast<long long>(value));
    out += ".0"sv;
    return;
  }
  // The routine json's serializer itself formats doubles with, so both write the same digits.
  char digits[64];
  char* end = nlohmann::detail::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end);
}

// `append(out, *value)`, or null when there is no value.
template <class T, class Append>
void append_optional(std::string& out, const std::optional<T>& value, Append append) {
  if (value)
    append(out, *value);
  else
    out += "null"sv;
}

inline void append_strings(std::string& out, const std::vector<std::string>& list) {
  out += '[';
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i) out += ',';
    append_string(out, list[i]);
  }
  out += ']';
}

}  // namespace shoal::json_text
