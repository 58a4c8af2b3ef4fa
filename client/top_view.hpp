// What `shoal top` shows, and how it is drawn: a pure model of the daemon as last heard and
// a renderer from it to exactly one screenful of text. No terminal or socket here, so a
// frame can be checked line by line at any size (client/verbs_top.cpp does the I/O).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>

#include "common/protocol.hpp"

namespace shoal::cli {

// Events kept for the events pane; more than any screen shows.
inline constexpr std::size_t top_events_kept = 100;

struct top_state {
  std::string daemon;              // "shoald 0.1.0, pid 123, socket /run/shoal/shoal.sock"
  json processes = json::array();  // records of the last `status`, in the daemon's order
  json lock;                       // the last `lock_status` result; null until one came
  json values = json::array();     // entries of the last `value_list`
  std::deque<json> events;         // oldest first, at most top_events_kept
  std::string selected;            // the selected process's name ("" when there is none)
  std::size_t selected_row = 0;    // its row, to fall back on when that name goes away
  std::string message;             // what the last key did, or why it could not
  bool message_is_error = false;

  // The log view (key `l`): whose output, which stream, and its tail as last read.
  bool showing_logs = false;
  std::string log_name;
  std::string log_stream = "stdout";
  std::string log_text;
};

// Replaces the process list, keeping the selection on the same name when it is still there
// and otherwise on the same row (clamped).
void set_processes(top_state& s, json processes);
// Moves the selection by `delta` rows, stopping at the first and last.
void move_selection(top_state& s, long delta);
// The selected record, or nullptr when there are no processes.
const json* selected_record(const top_state& s);
void add_event(top_state& s, json event);
void set_message(top_state& s, std::string message, bool is_error = false);

struct top_style {
  std::size_t columns = 80;
  std::size_t rows = 24;
  bool color = false;  // ANSI colour and reverse video; off: plain text and a '>' marker
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

// The smallest terminal the view draws itself in; below it, it says so.
inline constexpr std::size_t top_min_columns = 40, top_min_rows = 8;

// Exactly `style.rows` lines joined by '\n', none wider than `style.columns` (escape
// sequences aside). The status table as `shoal status` draws it, the selected row marked;
// the lock; the shared values; the last events; a footer with the keys or the last message.
// In the log view: the tail of the chosen stream instead.
std::string render_top(const top_state& s, const top_style& style);

// `text` cut to `columns` display columns; ANSI escape sequences are copied, not counted,
// and closed with a reset when the cut lands after one.
std::string fit_line(std::string_view text, std::size_t columns);

// Output of a child, safe to put on a terminal: control characters other than newline
// become '?', tabs a space, carriage returns dropped.
std::string printable(std::string_view text);

}  // namespace shoal::cli
