#include "client/terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <utility>

namespace shoal::cli {
namespace {

// xterm's alternate screen (1049 also saves the cursor), cursor hidden, screen cleared.
constexpr std::string_view enter_sequence = "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J";
constexpr std::string_view leave_sequence = "\x1b[0m\x1b[?25h\x1b[?1049l";

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the terminal is gone; nothing is left to show anything on
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

std::optional<terminal_size> query_terminal_size(int fd) {
  struct winsize ws {};
  if (::ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0 || ws.ws_row == 0) return std::nullopt;
  return terminal_size{ws.ws_col, ws.ws_row};
}

result<full_screen> full_screen::enter(int in, int out) {
  termios saved{};
  if (::tcgetattr(in, &saved) != 0)
    return status::from_errno(errc::bad_request, "cannot use the terminal", errno);
  termios raw = saved;
  // Bytes as typed: no line editing, no echo, no signals from ^C/^Z/^\ (the view reads them
  // as keys), no CR/LF translation on input; output keeps its newline handling.
  raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ISIG | IEXTEN);
  raw.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL | INLCR | ISTRIP);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  if (::tcsetattr(in, TCSAFLUSH, &raw) != 0)
    return status::from_errno(errc::bad_request, "cannot put the terminal in raw mode", errno);
  write_all(out, enter_sequence);
  return full_screen(in, out, saved);
}

full_screen::full_screen(full_screen&& other) noexcept
    : in_(other.in_),
      out_(other.out_),
      saved_(other.saved_),
      active_(std::exchange(other.active_, false)) {}

full_screen::~full_screen() {
  if (!active_) return;
  write_all(out_, leave_sequence);
  ::tcsetattr(in_, TCSAFLUSH, &saved_);
}

void full_screen::draw(const std::string& frame) const {
  // Each line placed at its row and cleared before it is written, never after: clearing
  // after a line that fills the width would erase its last character (the cursor waits on
  // it to wrap), and a newline after the last row would scroll the screen.
  std::string out;
  std::size_t row = 1, start = 0;
  for (;;) {
    auto nl = frame.find('\n', start);
    std::size_t end = nl == std::string::npos ? frame.size() : nl;
    out += "\x1b[" + std::to_string(row++) + ";1H\x1b[2K";
    out.append(frame, start, end - start);
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  write_all(out_, out);
}

}  // namespace shoal::cli
