#include "client/status_table.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <iterator>
#include <vector>

#include "client/record_fields.hpp"
#include "client/shell_words.hpp"
#include "client/time_display.hpp"
#include "common/natural_order.hpp"

namespace shoal::cli {
namespace {

// NAME USER PID STATE EXIT UPTIME RESTARTS CPU% MEM COMMAND; COMMAND, last, is never padded.
constexpr std::size_t column_count = 10;
constexpr std::size_t name_column = 0, user_column = 1, pid_column = 2, state_column = 3,
                      exitcode_column = 4, uptime_column = 5, restarts_column = 6, cpu_column = 7,
                      mem_column = 8, command_column = 9;
using row = std::array<std::string, column_count>;

constexpr std::string_view green = "\x1b[32m";
constexpr std::string_view yellow = "\x1b[33m";
constexpr std::string_view red = "\x1b[31m";
constexpr std::string_view reset = "\x1b[0m";

// Terminal columns taken by UTF-8 text, counting one per code point: argv is rarely wide
// script, and an approximation only shortens the cut.
std::size_t display_width(std::string_view s) {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
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

std::string integer_cell(const json& record, const char* key) {
  auto it = record.find(key);
  if (it == record.end() || !it->is_number_integer()) return "-";
  return std::to_string(it->get<long long>());
}

row make_row(const json& record, const table_style& style, std::string_view& state_color) {
  row r;
  r[name_column] = string_field(record, "name", "");
  r[pid_column] = integer_cell(record, "pid");
  std::string user = string_field(record, "user", "");
  r[user_column] = user.empty() ? "-" : user;
  std::string state = string_field(record, "state", "");
  r[state_column] = state.empty() ? "?" : state;

  auto code = record.find("exitcode");
  bool failed = false;
  if (code != record.end() && code->is_number_integer()) {
    long long c = code->get<long long>();
    failed = c != 0;
    std::string& cell = r[exitcode_column];
    cell = std::to_string(c);
    if (std::string sig = string_field(record, "signal", ""); !sig.empty()) cell += " " + sig;
    if (auto core = record.find("core_dumped");
        core != record.end() && core->is_boolean() && core->get<bool>())
      cell += " (core)";
  } else {
    r[exitcode_column] = "-";
  }

  // Uptime while the process lives; otherwise (exited, or between restarts) since it ended.
  r[uptime_column] = "-";
  auto since = [&](const char* key) -> std::optional<std::string> {
    auto t = parse_rfc3339(string_field(record, key, ""));
    if (!t) return std::nullopt;
    return format_duration(std::chrono::duration_cast<std::chrono::seconds>(style.now - *t));
  };
  bool alive = state == "running" || state == "stopping";
  if (alive)
    r[uptime_column] = since("started_at").value_or("-");
  else if (auto ago = since("ended_at"))
    r[uptime_column] = *ago + " ago";
  // A process that has ended has no pid any more worth showing, nor CPU or memory.
  if (!alive) r[pid_column] = "-";

  r[restarts_column] = integer_cell(record, "restarts");
  r[cpu_column] = "-";
  if (auto cpu = record.find("cpu_percent"); cpu != record.end() && cpu->is_number()) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", cpu->get<double>());
    r[cpu_column] = text;
  }
  r[mem_column] = "-";
  if (auto rss = record.find("rss_bytes");
      rss != record.end() && rss->is_number_integer() && rss->get<long long>() >= 0)
    r[mem_column] = format_memory(rss->get<std::uint64_t>());

  r[command_column] = shell_join(record.contains("argv") ? record["argv"] : json::array());

  state_color = {};
  if (state == "running")
    state_color = green;
  else if (state == "stopping" || state == "backoff")
    state_color = yellow;
  else if (failed || state == "fatal" || state == "lost")
    state_color = red;
  return r;
}

// Records in natural order of their names (w-2 before w-10), whatever order they came in.
std::vector<const json*> naturally_sorted(const json& processes) {
  std::vector<const json*> out;
  for (const auto& record : processes)
    if (record.is_object()) out.push_back(&record);
  std::stable_sort(out.begin(), out.end(), [](const json* a, const json* b) {
    return natural_less(string_field(*a, "name", ""), string_field(*b, "name", ""));
  });
  return out;
}

}  // namespace

std::string format_memory(std::uint64_t bytes) {
  // As top(1) and ps(1) users read it: the largest unit that keeps a number below 1024.
  const char* units[] = {"B", "K", "M", "G", "T"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  if (unit == 0)
    std::snprintf(text, sizeof text, "%lluB", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(text, sizeof text, value < 10 ? "%.1f%s" : "%.0f%s", value, units[unit]);
  return text;
}

std::string status_summary(const json& processes) {
  // In the order a process lives through them; a state nobody is in is left out.
  const std::array<std::string_view, 6> states = {"running", "stopping", "backoff",
                                                  "exited",  "fatal",    "lost"};
  std::array<std::size_t, 6> counts{};
  std::size_t other = 0;
  if (processes.is_array())
    for (const auto& record : processes) {
      if (!record.is_object()) continue;
      std::string state = string_field(record, "state", "");
      auto it = std::find(states.begin(), states.end(), state);
      if (it == states.end())
        ++other;
      else
        ++counts[static_cast<std::size_t>(it - states.begin())];
    }
  std::string out;
  for (std::size_t i = 0; i < states.size(); ++i) {
    if (counts[i] == 0) continue;
    if (!out.empty()) out += ", ";
    out += std::to_string(counts[i]) + " " + std::string(states[i]);
  }
  if (other) out += (out.empty() ? "" : ", ") + std::to_string(other) + " unknown";
  return out.empty() ? "no processes" : out;
}

std::string render_status_table(const json& processes, const table_style& style) {
  std::vector<row> rows;
  std::vector<std::string_view> colors;
  rows.push_back(
      {"NAME", "USER", "PID", "STATE", "EXIT", "UPTIME", "RESTARTS", "CPU%", "MEM", "COMMAND"});
  colors.push_back({});
  if (processes.is_array()) {
    for (const json* rec : naturally_sorted(processes)) {
      const json& record = *rec;
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
      if (colored)
        line += std::string(colors[i]) + cell + std::string(reset);
      else
        line += cell;
      line.append(pad, ' ');
      used += widths[c] + 2;
    }
    std::string command = r[command_column];
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
