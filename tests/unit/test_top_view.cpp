// `shoal top` frame by frame: what a person sees at a given size, and the keys it reads.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "client/key_input.hpp"
#include "client/time_display.hpp"
#include "client/top_view.hpp"

using namespace shoal;
using namespace shoal::cli;

namespace {

std::vector<std::string> lines_of(const std::string& frame) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (;;) {
    auto nl = frame.find('\n', start);
    lines.push_back(frame.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return lines;
}

// Columns a line takes on screen, escape sequences not counted.
std::size_t shown_width(const std::string& line) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\x1b') {
      while (i < line.size() && !(line[i] >= 0x40 && line[i] <= 0x7e && line[i] != '[')) ++i;
      continue;
    }
    if ((static_cast<unsigned char>(line[i]) & 0xc0) != 0x80) ++n;
  }
  return n;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

const auto t0 = *parse_rfc3339("2026-11-24T17:55:00.000Z");

json record(const std::string& name, const std::string& state, long long pid) {
  return {{"name", name},
          {"pid", pid},
          {"state", state},
          {"exitcode", state == "running" ? json(nullptr) : json(0)},
          {"signal", nullptr},
          {"argv", {"sleep", "300"}},
          {"started_at", "2026-11-24T17:54:00.000Z"},
          {"ended_at", state == "running" ? json(nullptr) : json("2026-11-24T17:54:30.000Z")},
          {"user", nullptr}};
}

top_state three_processes() {
  top_state s;
  s.daemon = "shoald 0.1.0, pid 1, socket /tmp/s.sock";
  set_processes(s, json::array({record("alpha", "running", 11), record("beta", "running", 12),
                                record("gamma", "exited", 13)}));
  s.lock = {{"held", false}, {"owner", nullptr}, {"since", nullptr}};
  s.values =
      json::array({{{"name", "salmonCount"}, {"kind", "value"}, {"typecode", "i"}, {"value", 3}},
                   {{"name", "temps"},
                    {"kind", "array"},
                    {"typecode", "d"},
                    {"length", 2},
                    {"values", {1.5, 2}}}});
  return s;
}

top_style plain(std::size_t columns = 80, std::size_t rows = 24) {
  top_style style;
  style.columns = columns;
  style.rows = rows;
  style.color = false;
  style.now = t0;
  return style;
}

}  // namespace

TEST_CASE("at 80x24 every part is on screen, in its place, within the width") {
  top_state s = three_processes();
  add_event(s, {{"seq", 4},
                {"type", "started"},
                {"name", "beta"},
                {"pid", 12},
                {"time", "2026-11-24T17:54:00.000Z"}});
  auto lines = lines_of(render_top(s, plain()));
  REQUIRE(lines.size() == 24);
  for (const auto& l : lines) CHECK(shown_width(l) <= 80);
  CHECK(lines[0].rfind("shoal top  shoald 0.1.0, pid 1, socket /tmp/s.sock", 0) == 0);
  CHECK(lines[1] == "lock: free");
  CHECK(lines[2] == "values:  salmonCount=3  temps=[1.5,2]");
  CHECK(contains(lines[3], "NAME"));
  CHECK(contains(lines[3], "STATE"));
  CHECK(lines[4].rfind("> alpha", 0) == 0);  // the first row starts selected
  CHECK(lines[5].rfind("  beta", 0) == 0);
  CHECK(contains(lines[6], "gamma"));
  CHECK(contains(lines[6], "30s ago"));
  CHECK(contains(lines[4], "1m00s"));
  // Events: a third of what is left (18 rows: 6), the newest last; the footer last of all.
  CHECK(lines[16] == "events");
  CHECK(contains(lines[17], "#4 beta started (pid 12)"));
  CHECK(lines[23].rfind("up/down j/k: select  s: stop  r: restart  l: logs  q: quit", 0) == 0);
}

TEST_CASE("the selection follows its name when the list changes, and its row when the name goes") {
  top_state s = three_processes();
  move_selection(s, 1);
  CHECK(s.selected == "beta");
  move_selection(s, 5);
  CHECK(s.selected == "gamma");
  move_selection(s, -100);
  CHECK(s.selected == "alpha");
  move_selection(s, 1);
  // A new process sorts before beta: beta stays selected, on its new row.
  set_processes(s, json::array({record("aaa", "running", 10), record("alpha", "running", 11),
                                record("beta", "running", 12), record("gamma", "exited", 13)}));
  CHECK(s.selected == "beta");
  CHECK(s.selected_row == 2);
  REQUIRE(selected_record(s));
  CHECK((*selected_record(s))["pid"] == 12);
  // beta removed: the selection stays on row 2, now gamma.
  set_processes(s, json::array({record("aaa", "running", 10), record("alpha", "running", 11),
                                record("gamma", "exited", 13)}));
  CHECK(s.selected == "gamma");
  set_processes(s, json::array());
  CHECK(selected_record(s) == nullptr);
  auto lines = lines_of(render_top(s, plain()));
  CHECK(contains(lines[4], "no processes"));
}

TEST_CASE("a long list scrolls so the selected row stays visible") {
  top_state s;
  json many = json::array();
  for (int i = 0; i < 40; ++i)
    many.push_back(record("w-" + std::to_string(100 + i), "running", 1000 + i));
  set_processes(s, many);
  move_selection(s, 30);
  auto lines = lines_of(render_top(s, plain()));
  REQUIRE(lines.size() == 24);
  bool seen = false;
  for (const auto& l : lines) seen = seen || l.rfind("> w-130", 0) == 0;
  CHECK(seen);
}

TEST_CASE("colour marks the selection with reverse video to the edge; without it, '>' alone") {
  top_state s = three_processes();
  top_style style = plain();
  style.color = true;
  auto coloured = lines_of(render_top(s, style));
  CHECK(coloured[4].rfind("\x1b[7m> alpha", 0) == 0);
  CHECK(shown_width(coloured[4]) == 80);
  CHECK(contains(coloured[4], "\x1b[32mrunning"));
  for (const auto& l : lines_of(render_top(s, plain()))) CHECK_FALSE(contains(l, "\x1b"));
}

TEST_CASE("narrow, short and too-small terminals") {
  top_state s = three_processes();
  auto narrow = lines_of(render_top(s, plain(40, 8)));
  REQUIRE(narrow.size() == 8);
  for (const auto& l : narrow) CHECK(shown_width(l) <= 40);
  CHECK(narrow[4].rfind("> alpha", 0) == 0);
  auto tiny = lines_of(render_top(s, plain(30, 6)));
  REQUIRE(tiny.size() == 6);
  CHECK(tiny[0] == "shoal top needs at least 40x8 ");
  for (std::size_t i = 1; i < tiny.size(); ++i) CHECK(tiny[i].empty());
}

TEST_CASE("the lock line says who holds it and for how long") {
  top_state s = three_processes();
  s.lock = {{"held", true}, {"owner", 4242}, {"since", "2026-11-24T17:54:48.000Z"}};
  auto lines = lines_of(render_top(s, plain()));
  CHECK(lines[1].rfind("lock: held by pid 4242 since ", 0) == 0);
  CHECK(contains(lines[1], "(12s)"));
}

TEST_CASE("the log view shows the tail of the stream, safe for the terminal") {
  top_state s = three_processes();
  s.showing_logs = true;
  s.log_name = "beta";
  s.log_stream = "stderr";
  std::string text;
  for (int i = 1; i <= 50; ++i) text += "line " + std::to_string(i) + "\n";
  text += "evil \x1b[2J\x07 bytes\r\n";
  s.log_text = text;
  auto lines = lines_of(render_top(s, plain()));
  REQUIRE(lines.size() == 24);
  CHECK(lines[0].rfind("logs of beta (stderr)", 0) == 0);
  CHECK(lines[22] == "evil ?[2J? bytes");
  CHECK(lines[21] == "line 50");
  CHECK(lines[1] == "line 30");
}

TEST_CASE("fit_line counts characters, not bytes or escapes") {
  CHECK(fit_line("abcdef", 4) == "abcd");
  CHECK(fit_line("\x1b[31mabcdef\x1b[0m", 3) == "\x1b[31mabc\x1b[0m");
  CHECK(fit_line("h\u00e9llo", 2) == "h\u00e9");
  CHECK(fit_line("short", 10) == "short");
  CHECK(printable("a\tb\x01\x7f\u0085c") == "a b???c");
}

TEST_CASE("keys: letters, arrows, page and edge keys, Escape at the end of a read") {
  auto keys = decode_keys("j\x1b[A\x1b[B\x1bOA\x1b[5~\x1b[6~\x1b[H\x1b[4~q\x1b");
  std::vector<key_press> want = {{key_kind::character, 'j'}, {key_kind::up, 0},
                                 {key_kind::down, 0},        {key_kind::up, 0},
                                 {key_kind::page_up, 0},     {key_kind::page_down, 0},
                                 {key_kind::home, 0},        {key_kind::end, 0},
                                 {key_kind::character, 'q'}, {key_kind::escape, '\x1b'}};
  CHECK(keys == want);
  // A sequence the view does not use is one key, not letters.
  CHECK(decode_keys("\x1b[1;5C") == std::vector<key_press>{{key_kind::other, 0}});
  CHECK(decode_keys("\x03") == std::vector<key_press>{{key_kind::character, '\x03'}});
}
