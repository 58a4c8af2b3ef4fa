#include "client/status_table.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "client/shell_words.hpp"
#include "client/time_display.hpp"

namespace shoal::cli {
namespace {

constexpr std::size_t column_count = 7;
constexpr std::size_t state_column = 3, exitcode_column = 4;
using row = std::array<std::string, column_count>;

constexpr std::string_view green = "\x1b[32m";
constexpr std::string_view yellow = "\x1b[33m";
constexpr std::string_view red = "\x1b[31m";
constexpr std::string_view reset = "\x1b[0m";

std::string string_field(const json& record, const char* key) {
  auto it = record.find(key);
  if (it == record.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

// Terminal columns taken by UTF-8 text, counting one per code point: argv is rarely wide
// script, and an approximation only shortens the cut.
std::size_t display_width(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// The longest prefix of whole code points that fits in `columns`, plus an ellipsis when cut.
std::string fit(std::string_view s, std::size_t columns) {
  if (display_width(s) <= columns) return std::string(s);
  if (columns == 0) return {};
  std::size_t keep = columns - 1, seen = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (seen == keep) break;
      ++seen;
    }
  }
  return std::string(s.substr(0, i)) + "\u2026";
}

row make_row(const json& record, const table_style& style, std::string_view& state_color) {
  row r;
  r[0] = string_field(record, "name");
  if (auto pid = record.find("pid"); pid != record.end() && pid->is_number_integer())
    r[1] = std::to_string(pid->get<long long>());
  else
    r[1] = "-";
  std::string user = string_field(record, "user");
  r[2] = user.empty() ? "-" : user;
  std::string state = string_field(record, "state");
  r[state_column] = state.empty() ? "?" : state;

  auto code = record.find("exitcode");
  bool failed = false;
  if (code != record.end() && code->is_number_integer()) {
    long long c = code->get<long long>();
    failed = c != 0;
    std::string& cell = r[exitcode_column];
    cell = std::to_string(c);
    if (std::string sig = string_field(record, "signal"); !sig.empty()) cell += " " + sig;
    if (auto core = record.find("core_dumped"); core != record.end() && core->is_boolean() &&
                                                core->get<bool>())
      cell += " (core)";
  } else {
    r[exitcode_column] = "-";
  }

  // Uptime while the process lives; otherwise (exited, or between restarts) since it ended.
  r[5] = "-";
  auto since = [&](const char* key) -> std::optional<std::string> {
    auto t = parse_rfc3339(string_field(record, key));
    if (!t) return std::nullopt;
    return format_duration(std::chrono::duration_cast<std::chrono::seconds>(style.now - *t));
  };
  if (state == "running" || state == "stopping") r[5] = since("started_at").value_or("-");
  else if (auto ago = since("ended_at")) r[5] = *ago + " ago";

  r[6] = shell_join(record.contains("argv") ? record["argv"] : json::array());

  state_color = {};
  if (state == "running") state_color = green;
  else if (state == "stopping" || state == "backoff") state_color = yellow;
  else if (failed || state == "fatal") state_color = red;
  return r;
}

}  // namespace

std::string render_status_table(const json& processes, const table_style& style) {
  std::vector<row> rows;
  std::vector<std::string_view> colors;
  rows.push_back({"NAME", "PID", "USER", "STATE", "EXITCODE", "UPTIME/ENDED", "COMMAND"});
  colors.push_back({});
  if (processes.is_array()) {
    for (const auto& record : processes) {
      if (!record.is_object()) continue;
      std::string_view color;
      rows.push_back(make_row(record, style, color));
      colors.push_back(color);
    }
  }

  std::array<std::size_t, column_count> widths{};
  for (const auto& r : rows)
    for (std::size_t c = 0; c + 1 < column_count; ++c)
      widths[c] = std::max(widths[c], display_width(r[c]));

  std::string out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const row& r = rows[i];
    std::string line;
    std::size_t used = 0;
    for (std::size_t c = 0; c + 1 < column_count; ++c) {
      std::string cell = r[c];
      std::size_t pad = widths[c] - display_width(cell) + 2;
      // STATE and EXITCODE carry the colour; padding stays outside the escape codes so the
      // columns line up whatever the terminal does with them.
      bool colored =
          style.color && !colors[i].empty() && (c == state_column || c == exitcode_column);
      if (colored) line += std::string(colors[i]) + cell + std::string(reset);
      else line += cell;
      line.append(pad, ' ');
      used += widths[c] + 2;
    }
    std::string command = r[column_count - 1];
    if (style.width > 0) {
      // Never cut a command to nothing: a very narrow terminal wraps instead.
      std::size_t room = style.width > used + 10 ? style.width - used : 10;
      command = fit(command, room);
    }
    line += command;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace shoal::cli
