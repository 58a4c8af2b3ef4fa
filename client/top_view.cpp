#include "client/top_view.hpp"

#include <algorithm>
#include <vector>

#include "client/event_text.hpp"
#include "client/record_fields.hpp"
#include "client/status_table.hpp"
#include "client/time_display.hpp"

namespace shoal::cli {
namespace {

constexpr std::string_view reverse = "\x1b[7m";
constexpr std::string_view bold = "\x1b[1m";
constexpr std::string_view red = "\x1b[31m";
constexpr std::string_view reset = "\x1b[0m";

constexpr std::string_view keys_help = "up/down j/k: select  s: stop  r: restart  l: logs  q: quit";
constexpr std::string_view log_keys_help = "tab: stdout/stderr  l, q or Esc: back";

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    lines.emplace_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

// Display columns of `text`: one per code point, escape sequences not counted.
std::size_t visible_width(std::string_view text) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      i += 2;
      while (i < text.size() && !(text[i] >= 0x40 && text[i] <= 0x7e)) ++i;
      continue;
    }
    if ((static_cast<unsigned char>(text[i]) & 0xc0) != 0x80) ++n;
  }
  return n;
}

std::string styled(std::string_view text, std::string_view code, bool color) {
  if (!color || code.empty()) return std::string(text);
  return std::string(code) + std::string(text) + std::string(reset);
}

std::string value_text(const json& v) {
  if (v.is_string()) return printable(v.get<std::string>());
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string lock_line(const top_state& s, const top_style& style) {
  if (!s.lock.is_object()) return "lock: ?";
  if (!s.lock.value("held", false)) return "lock: free";
  std::string line = "lock: held";
  auto owner = s.lock.find("owner");
  if (owner != s.lock.end() && owner->is_number_integer())
    line += " by pid " + std::to_string(owner->get<long long>());
  if (auto since = parse_rfc3339(string_field(s.lock, "since", "")))
    line += " since " + local_clock(*since) + " (" +
            format_duration(std::chrono::duration_cast<std::chrono::seconds>(style.now - *since)) +
            ")";
  return styled(line, bold, style.color);
}

std::string values_line(const top_state& s) {
  std::string line = "values:";
  if (!s.values.is_array() || s.values.empty()) return line + " none";
  for (const auto& e : s.values) {
    if (!e.is_object()) continue;
    line += "  " + string_field(e, "name", "") + "=";
    if (string_field(e, "kind", "") == "array") {
      line += "[";
      bool first = true;
      for (const auto& v : e.value("values", json::array())) {
        line += (first ? "" : ",") + value_text(v);
        first = false;
      }
      line += "]";
    } else {
      line += value_text(e.value("value", json()));
    }
  }
  return line;
}

std::string footer(const top_state& s, const top_style& style, std::string_view keys) {
  if (s.message.empty()) return std::string(keys);
  std::string message =
      styled(printable(s.message), s.message_is_error ? red : std::string_view(), style.color);
  return message + "  |  " + std::string(keys);
}

void push(std::vector<std::string>& out, std::string line, const top_style& style) {
  out.push_back(fit_line(line, style.columns));
}

void render_logs(const top_state& s, const top_style& style, std::vector<std::string>& out) {
  push(out,
       styled("logs of " + s.log_name + " (" + s.log_stream + ")", bold, style.color) + "  -  " +
           std::string(log_keys_help),
       style);
  std::vector<std::string> lines = split_lines(printable(s.log_text));
  std::size_t room = style.rows - 2;
  std::size_t first = lines.size() > room ? lines.size() - room : 0;
  for (std::size_t i = first; i < lines.size(); ++i) push(out, lines[i], style);
  if (lines.empty()) push(out, "  (nothing written to " + s.log_stream + " yet)", style);
  while (out.size() + 1 < style.rows) out.emplace_back();
  push(out, footer(s, style, log_keys_help), style);
}

void render_main(const top_state& s, const top_style& style, std::vector<std::string>& out) {
  push(out,
       styled("shoal top", bold, style.color) + "  " + s.daemon + "  " + local_clock(style.now),
       style);
  push(out, lock_line(s, style), style);
  push(out, values_line(s), style);

  // Rows: 3 above, the table's header, the events' header and the footer are fixed; the
  // events get a third of the rest (1 to 8 lines), the table what remains.
  std::size_t rest = style.rows - 6;
  std::size_t event_rows = std::clamp<std::size_t>(rest / 3, 1, 8);
  std::size_t table_rows = rest - event_rows;

  json records = json::array();
  for (const auto& r : s.processes)
    if (r.is_object()) records.push_back(r);
  table_style ts;
  ts.color = style.color;
  ts.width = style.columns > 2 ? style.columns - 2 : 1;
  ts.now = style.now;
  std::vector<std::string> table = split_lines(render_status_table(records, ts));
  push(out, "  " + (table.empty() ? std::string() : table[0]), style);

  std::size_t count = records.size();
  std::size_t selected = count == 0 ? 0 : std::min(s.selected_row, count - 1);
  std::size_t offset = selected >= table_rows ? selected - table_rows + 1 : 0;
  for (std::size_t row = 0; row < table_rows; ++row) {
    std::size_t i = offset + row;
    if (count == 0 && row == 0) {
      push(out, "  (no processes: start one with 'shoal start -- PROGRAM')", style);
      continue;
    }
    if (i >= count || i + 1 >= table.size()) {
      out.emplace_back();
      continue;
    }
    const std::string& line = table[i + 1];
    if (i != selected) {
      push(out, "  " + line, style);
    } else if (!style.color) {
      push(out, "> " + line, style);
    } else {
      // Reverse video across the whole row: every reset inside it turns it back on, and the
      // padding makes the bar reach the edge.
      std::string bar = "> " + line;
      for (std::size_t pos = 0; (pos = bar.find(reset, pos)) != std::string::npos;
           pos += reset.size() + reverse.size())
        bar.insert(pos + reset.size(), reverse);
      std::string fitted = fit_line(bar, style.columns);
      fitted.append(style.columns - visible_width(fitted), ' ');
      out.push_back(std::string(reverse) + fitted + std::string(reset));
    }
  }

  std::string events_title = "events";
  if (s.events.empty()) events_title += " (none yet)";
  push(out, styled(events_title, bold, style.color), style);
  std::size_t first = s.events.size() > event_rows ? s.events.size() - event_rows : 0;
  std::size_t shown = 0;
  for (std::size_t i = first; i < s.events.size(); ++i, ++shown)
    push(out, format_event_line(s.events[i], style.color), style);
  for (; shown < event_rows; ++shown) out.emplace_back();

  push(out, footer(s, style, keys_help), style);
}

}  // namespace

void set_processes(top_state& s, json processes) {
  s.processes = processes.is_array() ? std::move(processes) : json::array();
  std::size_t count = 0;
  for (const auto& r : s.processes) {
    if (!r.is_object()) continue;
    if (!s.selected.empty() && string_field(r, "name", "") == s.selected) {
      s.selected_row = count;
      return;
    }
    ++count;
  }
  if (count == 0) {
    s.selected.clear();
    s.selected_row = 0;
    return;
  }
  s.selected_row = std::min(s.selected_row, count - 1);
  move_selection(s, 0);
}

void move_selection(top_state& s, long delta) {
  std::vector<const json*> rows;
  for (const auto& r : s.processes)
    if (r.is_object()) rows.push_back(&r);
  if (rows.empty()) return;
  long row = static_cast<long>(std::min(s.selected_row, rows.size() - 1)) + delta;
  row = std::clamp<long>(row, 0, static_cast<long>(rows.size()) - 1);
  s.selected_row = static_cast<std::size_t>(row);
  s.selected = string_field(*rows[s.selected_row], "name", "");
}

const json* selected_record(const top_state& s) {
  std::size_t count = 0;
  for (const auto& r : s.processes) {
    if (!r.is_object()) continue;
    if (count++ == s.selected_row) return &r;
  }
  return nullptr;
}

void add_event(top_state& s, json event) {
  s.events.push_back(std::move(event));
  while (s.events.size() > top_events_kept) s.events.pop_front();
}

void set_message(top_state& s, std::string message, bool is_error) {
  s.message = std::move(message);
  s.message_is_error = is_error;
}

std::string fit_line(std::string_view text, std::size_t columns) {
  std::string out;
  std::size_t used = 0;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      std::size_t j = i + 2;
      while (j < text.size() && !(text[j] >= 0x40 && text[j] <= 0x7e)) ++j;
      out.append(text, i, std::min(j + 1, text.size()) - i);
      escaped = true;
      i = j + 1;
      continue;
    }
    std::size_t len = 1;
    auto b = static_cast<unsigned char>(text[i]);
    if (b >= 0xf0)
      len = 4;
    else if (b >= 0xe0)
      len = 3;
    else if (b >= 0xc0)
      len = 2;
    if (used == columns) {
      if (escaped) out += reset;
      return out;
    }
    out.append(text, i, std::min(len, text.size() - i));
    ++used;
    i += len;
  }
  return out;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n')
      out += '\n';
    else if (c == '\t')
      out += ' ';
    else if (c == '\r')
      continue;
    else if (c < 0x20 || c == 0x7f)
      out += '?';
    // U+0080..U+009F: C1 controls, which some terminals obey as escape sequences.
    else if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xa0 &&
             static_cast<unsigned char>(text[i + 1]) >= 0x80) {
      out += '?';
      ++i;
    } else
      out += static_cast<char>(c);
  }
  return out;
}

std::string render_top(const top_state& s, const top_style& style) {
  std::vector<std::string> out;
  if (style.columns < top_min_columns || style.rows < top_min_rows) {
    out.push_back(fit_line("shoal top needs at least " + std::to_string(top_min_columns) + "x" +
                               std::to_string(top_min_rows) + " (this is " +
                               std::to_string(style.columns) + "x" + std::to_string(style.rows) +
                               ")",
                           style.columns));
  } else if (s.showing_logs) {
    render_logs(s, style, out);
  } else {
    render_main(s, style, out);
  }
  out.resize(style.rows);
  std::string frame;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i) frame += '\n';
    frame += out[i];
  }
  return frame;
}

}  // namespace shoal::cli
