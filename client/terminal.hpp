// The terminal under a full-screen view (`shoal top`): raw keyboard input, the alternate
// screen, and putting everything back however the view ends.
#pragma once

#include <termios.h>

#include <cstddef>
#include <optional>
#include <string>

#include "common/status.hpp"

namespace shoal::cli {

struct terminal_size {
  std::size_t columns = 80;
  std::size_t rows = 24;
};

// The size of the terminal on `fd`; nullopt when it is not one or does not say.
std::optional<terminal_size> query_terminal_size(int fd);

// While it lives: keys arrive one by one without echo (Ctrl-C too, as a key), the view has
// the alternate screen to itself and the cursor is hidden. Its destructor restores the
// terminal exactly as it found it, so the shell prompt comes back intact.
class full_screen {
 public:
  // `in` must be a terminal; `out` is where the escape sequences go.
  static result<full_screen> enter(int in, int out);

  full_screen(full_screen&& other) noexcept;
  full_screen& operator=(full_screen&&) = delete;
  full_screen(const full_screen&) = delete;
  ~full_screen();

  // Replaces the screen with `frame`: one line per row, each already fitted to the width,
  // as many as the terminal has rows. One write, so the terminal never shows half a frame.
  void draw(const std::string& frame) const;

 private:
  full_screen(int in, int out, const termios& saved) : in_(in), out_(out), saved_(saved) {}

  int in_ = -1;
  int out_ = -1;
  termios saved_{};
  bool active_ = true;
};

}  // namespace shoal::cli
